using Kefu.Projects;

namespace Kefu.Cli.Commands.Data;

/// <summary>
/// What the data commands share: printing diagnostics, and writing their files all or nothing. Each file is written
/// next to its destination under a temporary name and moved into place only when every one was written, so a failed run
/// leaves no half-written output; a destination that is one of the inputs is refused (inputs are never overwritten).
/// </summary>
internal static class DataOutput
{
    /// <summary>Prints the diagnostics to <paramref name="error"/>; true when one is an error.</summary>
    public static bool Report(IEnumerable<Diagnostic> diagnostics, TextWriter error)
    {
        bool errors = false;
        foreach (var d in diagnostics)
        {
            error.WriteLine(d);
            errors |= d.Severity == Severity.Error;
        }
        return errors;
    }

    /// <summary>Writes every file or none; returns an error message, or null on success.</summary>
    public static string? WriteAll(IReadOnlyList<(string Path, string Text)> files, IReadOnlyList<string> inputs)
    {
        var inputPaths = inputs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, _) in files)
        {
            string full = Path.GetFullPath(path);
            if (inputPaths.Contains(full) || inputPaths.Any(i => Directory.Exists(i) && full.StartsWith(i.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                return $"{path}: this is (or is inside) an input; kefu data never overwrites its input, choose another --out";
            if (Directory.Exists(full)) return $"{path}: a folder is in the way of this output file";
        }
        var written = new List<(string Temp, string Final)>();
        try
        {
            foreach (var (path, text) in files)
            {
                string full = Path.GetFullPath(path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                string temp = full + $".kefu-{Environment.ProcessId}.tmp";
                File.WriteAllText(temp, text);
                written.Add((temp, full));
            }
            foreach (var (temp, final) in written) File.Move(temp, final, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in written)
                try { File.Delete(temp); } catch (IOException) { }
            return $"cannot write the output: {e.Message}";
        }
    }
}
