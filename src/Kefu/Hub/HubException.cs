namespace Kefu.Hub;

/// <summary>What went wrong fetching or finding a model, so callers (and tests) can tell the cases apart.</summary>
public enum HubError
{
    /// <summary>The name is neither an existing folder nor a plausible repo id, or a setting (HF_ENDPOINT) is malformed.</summary>
    InvalidName,
    /// <summary>404 (or 401 without a token) with X-Error-Code RepoNotFound: no such repository, or a private one.</summary>
    RepoNotFound,
    /// <summary>401/403 with X-Error-Code GatedRepo, or 403: the repository needs a token with access.</summary>
    GatedRepo,
    /// <summary>X-Error-Code RevisionNotFound: no such branch, tag or commit.</summary>
    RevisionNotFound,
    /// <summary>X-Error-Code EntryNotFound (404 on resolve), or no file of the repository matches the include patterns.</summary>
    EntryNotFound,
    /// <summary>The bytes received (or cached) do not have the size or sha256 the hub announced.</summary>
    ChecksumMismatch,
    /// <summary>HF_HUB_OFFLINE is set (or the hub is unreachable) and the cache does not hold what was asked.</summary>
    OfflineCacheMiss,
    /// <summary>The hub or its CDN could not be reached, or the transfer kept breaking off.</summary>
    Network,
    /// <summary>The server answered something this client cannot use (an HTTP error without a known code, bad JSON).</summary>
    Protocol,
}

/// <summary>
/// A model could not be downloaded or found. Derives from <see cref="IOException"/> because every case is a failure
/// to get files onto disk, and the CLI's existing guards already print IOExceptions as one clean line.
/// </summary>
public sealed class HubException(HubError error, string message, Exception? inner = null) : IOException(message, inner)
{
    public HubError Error { get; } = error;
}
