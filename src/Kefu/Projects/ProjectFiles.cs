namespace Kefu.Projects;

/// <summary>Where a Rasa project keeps its files, and how their paths are shown in diagnostics.</summary>
internal sealed class ProjectFiles(string directory)
{
    private static readonly string[] Extensions = [".yml", ".yaml"];

    /// <summary>domain.yml, plus every YAML file under domain/ (Rasa merges them all).</summary>
    public List<string> Domain()
    {
        var files = new List<string>();
        if (FirstExisting("domain") is { } single) files.Add(single);
        files.AddRange(YamlFilesUnder(Path.Combine(directory, "domain"), _ => true));
        return files;
    }

    public string? Config() => FirstExisting("config");

    public string? Endpoints() => FirstExisting("endpoints");

    public string? Credentials() => FirstExisting("credentials");

    public List<string> Data() => YamlFilesUnder(Path.Combine(directory, "data"), _ => true);

    public List<string> Tests() =>
        YamlFilesUnder(Path.Combine(directory, "tests"), name => name.StartsWith("test_", StringComparison.Ordinal));

    /// <summary>A path relative to the current folder when the file lies under it (as compilers print), else the full path.</summary>
    public string Display(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    private string? FirstExisting(string stem) =>
        Extensions.Select(e => Path.Combine(directory, stem + e)).FirstOrDefault(File.Exists);

    private static List<string> YamlFilesUnder(string folder, Func<string, bool> nameFilter) =>
        System.IO.Directory.Exists(folder)
            ? System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f)) && nameFilter(Path.GetFileName(f)))
                .Order(StringComparer.Ordinal).ToList()
            : [];
}
