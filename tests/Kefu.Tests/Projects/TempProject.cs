using Kefu.Projects;

namespace Kefu.Tests.Projects;

/// <summary>A Rasa project written to a fresh temp folder for one test, deleted afterwards.</summary>
internal sealed class TempProject : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "kefu-project-" + Guid.NewGuid().ToString("N"));

    public TempProject(params (string Path, string Text)[] files)
    {
        Directory.CreateDirectory(Dir);
        foreach (var (path, text) in files) Write(path, text);
    }

    /// <summary>A small valid project: the base most tests change one file of.</summary>
    public static TempProject Valid(params (string Path, string Text)[] overrides)
    {
        var files = new Dictionary<string, string>
        {
            ["domain.yml"] = SampleProject.Domain,
            ["config.yml"] = SampleProject.Config,
            ["data/nlu.yml"] = SampleProject.Nlu,
            ["data/stories.yml"] = SampleProject.Stories,
            ["data/rules.yml"] = SampleProject.Rules,
            ["tests/test_stories.yml"] = SampleProject.TestStories,
        };
        foreach (var (path, text) in overrides) files[path] = text;
        return new TempProject(files.Select(f => (f.Key, f.Value)).ToArray());
    }

    public void Write(string path, string text)
    {
        string full = Path.Combine(Dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text.ReplaceLineEndings("\n"));
    }

    public string PathOf(string relative) => Path.Combine(Dir, relative);

    /// <summary>Diagnostics as "relative/file:line:column: severity: message", for assertions that read like the CLI.</summary>
    public IReadOnlyList<string> Lines(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => new Diagnostic(d.Severity,
            d.Location with { File = Path.GetRelativePath(Dir, d.Location.File).Replace('\\', '/') }, d.Message).ToString()).ToList();

    /// <summary>Reads the project (never throws) and returns its diagnostics as <see cref="Lines"/>.</summary>
    public IReadOnlyList<string> Diagnose() => Lines(RasaProject.Read(Dir).Diagnostics);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}
