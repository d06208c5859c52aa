using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>Test stories given as text (POST /model/test/stories): a tests/test_*.yml file's `stories:` section.</summary>
public static class TestStoryFile
{
    /// <summary>The stories and every diagnostic, errors included; never throws on bad content.</summary>
    public static (IReadOnlyList<Story> Stories, IReadOnlyList<Diagnostic> Diagnostics) Parse(string text, string displayName)
    {
        var (limits, problems) = ProjectLimits.FromEnvironment();
        var bag = new DiagnosticBag(limits.MaxDiagnosticsPerFile);
        foreach (var problem in problems) bag.Error(new SourceLocation(displayName, 1, 1), problem);
        var source = YamlSource.Parse(text, displayName, bag, limits);
        var stories = new List<Story>();
        if (source.Root is { } root && source.Mapping(root, "a test stories file") is { } mapping)
        {
            if (YamlSource.Get(mapping, "stories") is { } node) stories = StoryReader.ReadStories(source, node);
            else source.Error(root, "the file has no 'stories:' section");
        }
        return (stories, bag.Sorted());
    }
}
