namespace Kefu.Server.Storage;

/// <summary>
/// Whether a file is a SQLite database, told from its header before SQLite opens it: opened read-write, SQLite takes
/// any empty file for a new database and writes into it, so a path given by mistake would be altered.
/// </summary>
public static class SqliteFiles
{
    /// <summary>Null when <paramref name="path"/> starts with SQLite's header; else why it is not a database, in a few words.</summary>
    public static string? NotADatabase(string path)
    {
        if (!File.Exists(path))
            return "there is no such file";
        var header = new byte[16];
        int read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
            return "the file is empty, not a SQLite database";
        return header.AsSpan(0, read).SequenceEqual("SQLite format 3\0"u8) ? null : "the file is not a SQLite database";
    }
}
