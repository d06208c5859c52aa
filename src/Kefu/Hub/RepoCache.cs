using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Kefu.Hub;

/// <summary>
/// One model repository in the huggingface_hub cache, laid out exactly as huggingface_hub lays it out so Python tools
/// and Kefu share downloads (https://huggingface.co/docs/huggingface_hub/guides/manage-cache):
/// <code>
/// {cache}/models--{org}--{name}/
///     blobs/{etag}                  file contents, named by their git-sha1 (small files) or sha256 (LFS files)
///     blobs/{etag}.incomplete       a download in progress, resumed with a Range request
///     refs/{revision}               the commit hash a branch or tag resolved to when last downloaded
///     snapshots/{commit}/{path}     relative symlinks to ../../blobs/{etag} (copies where symlinks cannot be made)
/// {cache}/.locks/models--{org}--{name}/{etag}.lock
/// </code>
/// </summary>
internal sealed partial class RepoCache
{
    public RepoCache(string cacheDir, string repoId)
    {
        CacheDir = cacheDir;
        FolderName = "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);
        Root = Path.Combine(cacheDir, FolderName);
    }

    public string CacheDir { get; }

    /// <summary>models--{org}--{name}: the repo id with "/" spelled "--" (huggingface_hub's REPO_ID_SEPARATOR).</summary>
    public string FolderName { get; }

    public string Root { get; }

    public string BlobPath(string etag) => Path.Combine(Root, "blobs", CheckEtag(etag));

    public string SnapshotDir(string commit) => Path.Combine(Root, "snapshots", commit);

    public string PointerPath(string commit, string file) => Path.Combine(SnapshotDir(commit), CheckRelativePath(file, "file"));

    private string RefPath(string revision) => Path.Combine(Root, "refs", CheckRelativePath(revision, "revision"));

    /// <summary>The commit a branch or tag resolved to when last downloaded; null when never downloaded.</summary>
    public string? ReadRef(string revision)
    {
        string path = RefPath(revision);
        if (!File.Exists(path)) return null;
        string commit = File.ReadAllText(path).Trim();
        return IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Writes refs/{revision} (no trailing newline, as huggingface_hub writes it).</summary>
    public void WriteRef(string revision, string commit)
    {
        string path = RefPath(revision);
        if (ReadRef(revision) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, commit);
    }

    /// <summary>
    /// Points snapshots/{commit}/{file} at blobs/{etag} with a relative symlink, as huggingface_hub's _create_symlink
    /// (relative so a moved or mounted cache keeps working); copies the blob where symlinks fail (Windows without
    /// developer mode, some network drives).
    /// </summary>
    public void Link(string etag, string pointer)
    {
        string blob = BlobPath(etag);
        string folder = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(folder);
        File.Delete(pointer);
        try
        {
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(folder, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, pointer, overwrite: true);
        }
    }

    /// <summary>The file holding a snapshot entry's bytes (the blob its symlink points to, or the entry itself when it is a copy); null when missing or dangling.</summary>
    public static string? Target(string pointer)
    {
        var info = new FileInfo(pointer);
        if (info.LinkTarget is null) return info.Exists ? info.FullName : null;
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        return target is FileInfo { Exists: true } ? target.FullName : null;
    }

    /// <summary>
    /// Holds {cache}/.locks/.../{etag}.lock exclusively while one blob is written, so two processes (or a Python tool
    /// using filelock, which also takes flock) never write the same blob at once. The lock file is left in place,
    /// as huggingface_hub leaves it: deleting it would let a waiter lock a new file while the old one is still held.
    /// </summary>
    public async Task<IDisposable> LockAsync(string etag, TextWriter? log, CancellationToken ct)
    {
        string dir = Path.Combine(CacheDir, ".locks", FolderName);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, CheckEtag(etag) + ".lock");
        for (bool told = false; ; told = true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!told) log?.WriteLine($"waiting for another download of the same file ({path})");
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What is wrong with a cached file given what the hub announced (null when nothing): its size, and its sha256 for an LFS file.</summary>
    public static async Task<string?> ProblemAsync(string path, long? size, string? sha256, CancellationToken ct)
    {
        long length = new FileInfo(path).Length;
        if (size is long expected && length != expected)
            return $"it has {length:N0} bytes instead of {expected:N0}";
        if (sha256 is null) return null;
        string actual = await Sha256Async(path, ct).ConfigureAwait(false);
        return actual == sha256 ? null : $"its sha256 is {actual} instead of {sha256}";
    }

    public static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    /// <summary>An LFS file's etag is its sha256 (64 lowercase hex digits); a git file's is its 40-digit git-sha1.</summary>
    public static bool IsSha256(string etag) => Sha256Regex().IsMatch(etag);

    public static bool IsCommitHash(string revision) => CommitRegex().IsMatch(revision);

    /// <summary>An etag becomes a file name: refuse anything that could leave blobs/ or is not a plain name.</summary>
    private static string CheckEtag(string etag) =>
        EtagRegex().IsMatch(etag) ? etag : throw new HubException(HubError.Protocol, $"the hub sent an ETag that cannot name a cache file: '{etag}'");

    /// <summary>A repo path or revision becomes a path under snapshots/ or refs/: "/" separated, no empty, "." or ".." segments.</summary>
    private static string CheckRelativePath(string path, string what)
    {
        var segments = path.Split('/');
        if (segments.Any(s => s.Length == 0 || s is "." or ".." || s.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || s.Contains('\\')))
            throw new HubException(what == "file" ? HubError.Protocol : HubError.InvalidName, $"'{path}' is not a usable {what} name (it must be a relative path without '..').");
        return Path.Combine(segments);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Regex();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitRegex();

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex EtagRegex();
}
