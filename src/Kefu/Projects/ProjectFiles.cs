using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>
/// Where a Rasa project keeps its files, and how their paths are shown in diagnostics. Only the project's own files
/// are read: a link (file or folder) whose target lies outside the project folder is refused, and a folder link that
/// leads back to a folder containing it (`data/loop -> ..`) is reported once and not followed.
/// </summary>
/// <param name="diagnostics">Where refused links are reported; without it they are skipped silently (the model archive lists the files again after validation).</param>
internal sealed class ProjectFiles(string directory, DiagnosticBag? diagnostics = null)
{
    private static readonly string[] Extensions = [".yml", ".yaml"];

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private string? _realRoot;
    private string RealRoot => _realRoot ??= RealPath(Path.GetFullPath(directory)) ?? Path.GetFullPath(directory);

    /// <summary>domain.yml, plus every YAML file under domain/ (Rasa merges them all).</summary>
    public List<string> Domain()
    {
        var files = new List<string>();
        if (FirstExisting("domain") is { } single) files.Add(single);
        files.AddRange(FilesUnder("domain", IsYaml));
        return files;
    }

    public string? Config() => FirstExisting("config");

    public string? Endpoints() => FirstExisting("endpoints");

    public string? Credentials() => FirstExisting("credentials");

    public List<string> Data() => FilesUnder("data", IsYaml);

    public List<string> Tests() =>
        FilesUnder("tests", name => IsYaml(name) && name.StartsWith("test_", StringComparison.Ordinal));

    /// <summary>Every file a bot runs from (domain, config, endpoints, and all of domain/ and data/), as full paths.</summary>
    public List<string> BotFiles() =>
    [
        .. new[] { "domain", "config", "endpoints" }.SelectMany(stem => Extensions.Select(e => Path.Combine(directory, stem + e)))
            .Where(path => File.Exists(path) && IsOwnFile(path)),
        .. FilesUnder("domain", _ => true),
        .. FilesUnder("data", _ => true),
    ];

    /// <summary>A path relative to the current folder when the file lies under it (as compilers print), else the full path.</summary>
    public string Display(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    private static bool IsYaml(string name) => Extensions.Contains(Path.GetExtension(name));

    private string? FirstExisting(string stem) =>
        Extensions.Select(e => Path.Combine(directory, stem + e)).FirstOrDefault(path => File.Exists(path) && IsOwnFile(path));

    /// <summary>False, with an error, for a link that leaves the project.</summary>
    private bool IsOwnFile(string path) => new FileInfo(path).LinkTarget is null || Resolve(path) is not null;

    /// <summary>
    /// Files under a top-level folder whose names pass <paramref name="nameFilter"/>, sorted by path. The walk keeps
    /// the real path of each folder, so links are judged by where they really lead.
    /// </summary>
    private List<string> FilesUnder(string folderName, Func<string, bool> nameFilter)
    {
        string folder = Path.Combine(directory, folderName);
        var files = new List<string>();
        if (!System.IO.Directory.Exists(folder)) return files;
        string? realFolder = new DirectoryInfo(folder).LinkTarget is null ? Path.Combine(RealRoot, folderName) : Resolve(folder);
        if (realFolder is null) return files;

        var pending = new Stack<(string Path, string Real)>([(folder, realFolder)]);
        var visited = new HashSet<string>(PathComparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase) { realFolder };
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };
        while (pending.TryPop(out var current))
        {
            foreach (var entry in Entries(current.Path, options))
            {
                string? real = entry.LinkTarget is null ? Path.Combine(current.Real, entry.Name) : Resolve(entry.FullName);
                if (real is null) continue;
                if (System.IO.Directory.Exists(real))
                {
                    if (IsSameOrUnder(current.Real, real))
                        Warn(entry.FullName, "this is a link to a folder that contains it (a loop); it is not followed");
                    else if (visited.Add(real))
                        pending.Push((entry.FullName, real));
                    else
                        Warn(entry.FullName, "this leads to a folder already read through another path; it is not read twice");
                }
                else if (nameFilter(entry.Name))
                    files.Add(entry.FullName);
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private List<FileSystemInfo> Entries(string folder, EnumerationOptions options)
    {
        try
        {
            return [.. new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(folder, $"cannot list the folder: {e.Message}");
            return [];
        }
    }

    /// <summary>The real path a link leads to when it stays inside the project; else null, with an error.</summary>
    private string? Resolve(string link)
    {
        string? real = RealPath(Path.GetFullPath(link));
        if (real is null)
            Error(link, "this is a link that cannot be resolved (a chain of links that loops or is too long)");
        else if (!IsSameOrUnder(real, RealRoot))
            Error(link, $"this is a link to '{Snippets.Quote(real, 120)}', outside the project folder; Kefu reads only the project's own files (copy the file in instead)");
        else if (!Path.Exists(real))
            Error(link, $"this is a link to '{Snippets.Quote(Path.GetRelativePath(RealRoot, real), 120)}', which does not exist");
        else
            return real;
        return null;
    }

    private void Error(string path, string message) => diagnostics?.Error(new SourceLocation(Display(path), 1, 1), message);

    private void Warn(string path, string message) => diagnostics?.Warning(new SourceLocation(Display(path), 1, 1), message);

    private static bool IsSameOrUnder(string path, string folder) =>
        path.Equals(folder, PathComparison)
        || path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, PathComparison);

    /// <summary>
    /// <paramref name="fullPath"/> with every link along it resolved (POSIX realpath); null past 40 links, the
    /// limit Linux puts on a chain of links. A missing tail is kept as written.
    /// </summary>
    internal static string? RealPath(string fullPath)
    {
        string root = Path.GetPathRoot(fullPath)!;
        var parts = new List<string>(fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        string current = root;
        int links = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            string part = parts[i];
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }
            if (++links > 40) return null;
            // The target replaces this part; a relative one is read from the folder holding the link.
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
            var targetParts = target[(Path.IsPathRooted(target) ? Path.GetPathRoot(target)!.Length : 0)..]
                .Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            parts.InsertRange(i + 1, targetParts);
        }
        return current;
    }
}
