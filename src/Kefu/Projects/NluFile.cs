using Kefu.Nlu;
using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>Reads one Rasa nlu.yml file (examples with entity annotations, synonyms, regexes, lookups).</summary>
public static class NluFile
{
    /// <summary>The file's NLU data; throws <see cref="ProjectException"/> with every error, warnings are dropped.</summary>
    public static NluTrainingData Load(string path)
    {
        var (data, diagnostics) = Read(path);
        if (diagnostics.Any(d => d.Severity == Severity.Error)) throw new ProjectException(diagnostics);
        return data;
    }

    /// <summary>The file's NLU data and all its diagnostics, errors included; never throws on bad content.</summary>
    public static (NluTrainingData Data, IReadOnlyList<Diagnostic> Diagnostics) Read(string path)
    {
        var (limits, problems) = ProjectLimits.FromEnvironment();
        var bag = new DiagnosticBag(limits.MaxDiagnosticsPerFile);
        foreach (var problem in problems) bag.Error(new SourceLocation(path, 1, 1), problem);
        var source = YamlSource.Load(path, path, bag, limits);
        var reader = new NluReader(bag, limits);
        if (source.Root is { } root && source.Mapping(root, "an NLU file") is { } mapping)
        {
            if (YamlSource.Get(mapping, "nlu") is { } nlu) reader.Read(source, nlu);
            else source.Warning(root, "the file has no 'nlu:' section");
        }
        return (reader.Build(), bag.Sorted());
    }
}
