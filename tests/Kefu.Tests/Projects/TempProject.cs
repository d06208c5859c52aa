using Kefu.Projects;

namespace Kefu.Tests.Projects;

/// <summary>A Rasa project (or any files) written to a fresh temp folder for one test, deleted afterwards.</summary>
internal sealed class TempProject : IDisposable
{
    public string Dir { get; }

    public TempProject(params (string Path, string Text)[] files) : this("kefu-project-", files) { }

    /// <param name="prefix">Names the folder after its test, so one left behind says where it came from.</param>
    public TempProject(string prefix, params (string Path, string Text)[] files)
    {
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
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

    public void WriteBytes(string path, byte[] bytes)
    {
        string full = Path.Combine(Dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    public string PathOf(string relative) => Path.Combine(Dir, relative);

    private readonly List<string> _outside = [];

    /// <summary>A file or folder a test wrote outside the folder (the target of a link out), deleted with it.</summary>
    public void DeleteAfterwards(string path) => _outside.Add(path);

    /// <summary>Diagnostics as "relative/file:line:column: severity: message", for assertions that read like the CLI.</summary>
    public IReadOnlyList<string> Lines(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => new Diagnostic(d.Severity,
            d.Location with { File = Path.GetRelativePath(Dir, d.Location.File).Replace('\\', '/') }, d.Message).ToString()).ToList();

    /// <summary>Reads the project (never throws) and returns its diagnostics as <see cref="Lines"/>.</summary>
    public IReadOnlyList<string> Diagnose() => Lines(RasaProject.Read(Dir).Diagnostics);

    /// <summary>
    /// Deletes the folder, if the test left it. A file still held open (a child process, a SQLite connection on
    /// Windows) keeps it: cleanup must not turn a passing test into a failure.
    /// </summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
            foreach (var path in _outside)
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
