namespace Kefu.Hub;

/// <summary>A repository's files at one commit, in the cache.</summary>
/// <param name="Path">snapshots/{commit}: the folder a model is loaded from.</param>
/// <param name="Files">The repo paths of the files it holds that matched the include patterns, sorted.</param>
/// <param name="Downloaded">Those fetched by this call; the others were already in the cache, intact.</param>
public sealed record HubSnapshot(string RepoId, string Revision, string Commit, string Path, IReadOnlyList<string> Files, IReadOnlyList<string> Downloaded);

/// <summary>
/// huggingface_hub's snapshot_download for model repositories: resolves the revision to a commit with the revision
/// API, then makes snapshots/{commit} hold every file that matches the include patterns. A file whose snapshot entry is
/// intact (its size, and its sha256 for an LFS file) costs no request; otherwise HEAD names its blob, an intact blob
/// is linked, and a missing or damaged one is downloaded (resuming blobs/{etag}.incomplete), checked and linked.
/// Offline (HF_HUB_OFFLINE), or when the hub cannot be reached, it answers from refs/ and snapshots/ alone.
/// </summary>
public sealed class HubClient
{
    public const string DefaultRevision = "main";

    private readonly HubHttp http;
    private readonly DownloadProgress progress;

    /// <param name="progress">Where progress and warnings go (stderr in the CLI); null for none.</param>
    /// <param name="interactiveProgress">Redraw one bar per file in place (a terminal) instead of plain lines.</param>
    public HubClient(HubSettings settings, TextWriter? progress = null, bool interactiveProgress = false)
        : this(settings, progress, interactiveProgress, new HubHttp(settings)) { }

    internal HubClient(HubSettings settings, TextWriter? progress, bool interactiveProgress, HubHttp http)
    {
        Settings = settings;
        this.http = http;
        this.progress = new DownloadProgress(progress, interactiveProgress);
    }

    public HubSettings Settings { get; }

    /// <summary>
    /// The snapshot of <paramref name="repoId"/> at <paramref name="revision"/> (default "main"), holding the files
    /// that match <paramref name="include"/> (fnmatch patterns; null or empty: every file), downloaded as needed.
    /// Throws <see cref="HubException"/> for every failure a person can act on.
    /// </summary>
    public async Task<HubSnapshot> DownloadAsync(string repoId, string? revision = null, IReadOnlyList<string>? include = null, CancellationToken ct = default)
    {
        RepoId.Check(repoId);
        revision ??= DefaultRevision;
        RepoId.CheckRevision(revision);
        var patterns = GlobPattern.Parse(include);
        var cache = new RepoCache(Settings.CacheDir, repoId);
        if (Settings.Offline)
        {
            var (cached, missing) = await FromCacheAsync(cache, repoId, revision, patterns, ct).ConfigureAwait(false);
            return cached ?? throw new HubException(HubError.OfflineCacheMiss,
                $"HF_HUB_OFFLINE is set and the cache does not hold {repoId} at revision '{revision}': {missing}. " +
                $"Download it once with network access ({DownloadCommand(repoId, revision, include)}), or unset HF_HUB_OFFLINE.");
        }

        RepoRevision remote;
        try
        {
            remote = await http.GetRevisionAsync(repoId, revision, ct).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Error == HubError.Network)
        {
            // As snapshot_download: an unreachable hub falls back on what an earlier download left.
            var (cached, missing) = await FromCacheAsync(cache, repoId, revision, patterns, ct).ConfigureAwait(false);
            if (cached is null)
                throw new HubException(HubError.Network, $"{e.Message} The cache has nothing to fall back on: {missing}.", e.InnerException);
            progress.Writer?.WriteLine($"warning: {e.Message} Using the cached snapshot {cached.Commit}.");
            return cached;
        }

        var files = remote.Files.Where(f => GlobPattern.MatchesAny(f.Path, patterns)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new HubException(HubError.EntryNotFound, patterns is null
                ? $"{repoId} has no files at revision '{revision}'."
                : $"no file of {repoId} at revision '{revision}' matches {string.Join(" or ", patterns.Select(p => p.Pattern))}; " +
                  $"it has {string.Join(", ", remote.Files.Select(f => f.Path).Order(StringComparer.Ordinal).Take(20))}{(remote.Files.Count > 20 ? ", ..." : "")}.");
        if (revision != remote.Commit) cache.WriteRef(revision, remote.Commit);

        var downloaded = new List<string>();
        foreach (var file in files)
            if (await EnsureFileAsync(cache, repoId, remote.Commit, file, ct).ConfigureAwait(false))
                downloaded.Add(file.Path);
        return new HubSnapshot(repoId, revision, remote.Commit, cache.SnapshotDir(remote.Commit), [.. files.Select(f => f.Path)], downloaded);
    }

    /// <summary>Makes snapshots/{commit}/{file} an intact copy of the file; true when its bytes had to be downloaded.</summary>
    private async Task<bool> EnsureFileAsync(RepoCache cache, string repoId, string commit, RepoFile file, CancellationToken ct)
    {
        string pointer = cache.PointerPath(commit, file.Path);
        if (RepoCache.Target(pointer) is { } held)
        {
            string name = Path.GetFileName(held);
            string? sha256 = file.Sha256 ?? (RepoCache.IsSha256(name) ? name : null);
            if (await RepoCache.ProblemAsync(held, file.Size, sha256, ct).ConfigureAwait(false) is not { } damage) return false;
            Log($"{file.Path}: the cached copy is damaged ({damage}); fetching it again");
            File.Delete(pointer);
        }

        var meta = await http.HeadAsync(repoId, commit, file.Path, ct).ConfigureAwait(false);
        if (meta.Commit is { } answered && answered != commit)
            throw new HubException(HubError.Protocol, $"the hub answered commit {answered} for {file.Path} of commit {commit}.");
        long? size = meta.Size ?? file.Size;
        string? expectedSha256 = meta.IsLfs ? meta.Etag : null; // an LFS file's etag is the sha256 of its bytes
        string blob = cache.BlobPath(meta.Etag);
        using (await cache.LockAsync(meta.Etag, progress.Writer, ct).ConfigureAwait(false))
        {
            if (File.Exists(blob))
            {
                if (await RepoCache.ProblemAsync(blob, size, expectedSha256, ct).ConfigureAwait(false) is not { } damage)
                {
                    cache.Link(meta.Etag, pointer); // the same bytes under another commit or file name
                    return false;
                }
                Log($"{file.Path}: the cached blob {blob} is damaged ({damage}); fetching it again");
                File.Delete(blob);
            }
            string partial = blob + ".incomplete";
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            await http.DownloadAsync(repoId, commit, file.Path, partial, size, progress, ct).ConfigureAwait(false);
            if (await RepoCache.ProblemAsync(partial, size, expectedSha256, ct).ConfigureAwait(false) is { } bad)
            {
                File.Delete(partial);
                throw new HubException(HubError.ChecksumMismatch,
                    $"{file.Path} of {repoId} arrived damaged: {bad}. It was deleted, not linked into the snapshot; " +
                    "download again (if it fails the same way, a proxy or the disk is altering the file).");
            }
            File.Move(partial, blob, overwrite: true);
            cache.Link(meta.Etag, pointer);
            return true;
        }
    }

    /// <summary>
    /// The snapshot for <paramref name="revision"/> as the cache holds it (huggingface_hub's offline snapshot_download:
    /// refs/{revision} names the commit unless the revision is one), or null and what is missing. Entries must point
    /// at an existing blob; an LFS blob (named by its sha256) is checked, and a damaged one is an error.
    /// </summary>
    private static async Task<(HubSnapshot? Snapshot, string Missing)> FromCacheAsync(
        RepoCache cache, string repoId, string revision, IReadOnlyList<GlobPattern>? patterns, CancellationToken ct)
    {
        string? commit = RepoCache.IsCommitHash(revision) ? revision : cache.ReadRef(revision);
        if (commit is null)
            return (null, $"{Path.Combine(cache.Root, "refs", revision)} does not exist");
        string dir = cache.SnapshotDir(commit);
        if (!Directory.Exists(dir))
            return (null, $"{dir} does not exist");
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => GlobPattern.MatchesAny(f, patterns))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            return (null, patterns is null ? $"{dir} is empty" : $"no file in {dir} matches {string.Join(" or ", patterns.Select(p => p.Pattern))}");
        foreach (string file in files)
        {
            string pointer = Path.Combine(dir, file);
            if (RepoCache.Target(pointer) is not { } held)
                return (null, $"{pointer} points to a blob that is missing");
            string name = Path.GetFileName(held);
            if (RepoCache.IsSha256(name) && await RepoCache.ProblemAsync(held, null, name, ct).ConfigureAwait(false) is { } damage)
                throw new HubException(HubError.ChecksumMismatch,
                    $"the cached {file} of {repoId} is damaged ({damage}); fetch it again with network access: kefu model download {repoId}");
        }
        return (new HubSnapshot(repoId, revision, commit, dir, files, []), "");
    }

    private static string DownloadCommand(string repoId, string revision, IReadOnlyList<string>? include) =>
        $"kefu model download {repoId}" + (revision == DefaultRevision ? "" : $" --revision {revision}") +
        string.Concat((include ?? []).Select(p => $" --include '{p}'"));

    private void Log(string line) => progress.Writer?.WriteLine(line);
}
