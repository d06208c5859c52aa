using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Kefu.Hub;

/// <summary>A file of a revision as GET /api/models/{repo}/revision/{rev}?blobs=true lists it in "siblings".</summary>
/// <param name="Size">"size" (the real size, LFS files included); null when the server omits it.</param>
/// <param name="Sha256">"lfs"."sha256" for an LFS file; null for a file stored in git.</param>
internal sealed record RepoFile(string Path, long? Size, string? Sha256);

/// <summary>A revision resolved to its commit ("sha") and the files it holds.</summary>
internal sealed record RepoRevision(string Commit, IReadOnlyList<RepoFile> Files);

/// <summary>
/// What HEAD {endpoint}/{repo}/resolve/{rev}/{file} announces (huggingface_hub's HfFileMetadata): the etag names the
/// blob (X-Linked-Etag, the LFS sha256, over ETag, the git-sha1), the size (X-Linked-Size over Content-Length) and
/// the commit (X-Repo-Commit).
/// </summary>
internal sealed record FileMetadata(string Etag, string? Commit, long? Size, bool IsLfs);

/// <summary>
/// The hub's HTTP protocol as huggingface_hub speaks it (file_download.py, utils/_http.py): the revision API,
/// HEAD for metadata following only relative redirects (a renamed repo) so the LFS headers of the redirect to the CDN
/// are read, GET following every redirect with the token sent only to the endpoint's own origin, Range resume, and
/// X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) turned into <see cref="HubException"/>s.
/// </summary>
internal sealed class HubHttp
{
    private const int MaxRedirects = 10;

    private static readonly Lazy<HttpClient> Shared = new(CreateClient);

    private readonly HubSettings settings;
    private readonly HttpClient client;
    private readonly Uri endpoint;

    public HubHttp(HubSettings settings, HttpClient? client = null)
    {
        this.settings = settings;
        this.client = client ?? Shared.Value;
        endpoint = new Uri(settings.Endpoint + "/");
    }

    /// <summary>Longest wait for the answer to an API call or HEAD, or for a download's headers (huggingface_hub: 10 s, retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for the next bytes of a download before the transfer counts as broken off (and is resumed).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Transfers of one file tried before giving up (each resumes where the previous one stopped).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before attempt n+1 is n times this.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public Uri ResolveUrl(string repoId, string revision, string file) =>
        new($"{settings.Endpoint}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>GET /api/models/{repo}/revision/{rev}?blobs=true: the commit and the files with their sizes and LFS sha256.</summary>
    public async Task<RepoRevision> GetRevisionAsync(string repoId, string revision, CancellationToken ct)
    {
        var url = new Uri($"{settings.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using var timeout = Timeout(ct);
        using var response = await SendAsync(HttpMethod.Get, url, followAbsolute: true, rangeFrom: 0, timeout.Token, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw StatusError(response, repoId, revision, file: null);
        JsonDocument document;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            document = await JsonDocument.ParseAsync(body, default, timeout.Token).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new HubException(HubError.Protocol, $"{Show(url)} did not answer JSON: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Unreachable(url, $"no answer within {RequestTimeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Unreachable(url, Reason(e), e);
        }
        using (document)
            return ParseRevision(document.RootElement, url);
    }

    private static RepoRevision ParseRevision(JsonElement root, Uri url)
    {
        string? commit = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString() : null;
        if (commit is null || !RepoCache.IsCommitHash(commit))
            throw new HubException(HubError.Protocol, $"{Show(url)} did not name the revision's commit (\"sha\": 40 hex digits).");
        var files = new List<RepoFile>();
        if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in siblings.EnumerateArray())
            {
                if (!s.TryGetProperty("rfilename", out var name) || name.ValueKind != JsonValueKind.String) continue;
                long? size = s.TryGetProperty("size", out var sz) && sz.TryGetInt64(out long n) ? n : null;
                string? sha256 = s.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object
                    && lfs.TryGetProperty("sha256", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                if (size is null && lfs.ValueKind == JsonValueKind.Object && lfs.TryGetProperty("size", out var ls) && ls.TryGetInt64(out long m)) size = m;
                files.Add(new RepoFile(name.GetString()!, size, sha256));
            }
        }
        return new RepoRevision(commit, files);
    }

    /// <summary>HEAD resolve/{rev}/{file}, following relative redirects only (huggingface_hub's get_hf_file_metadata).</summary>
    public async Task<FileMetadata> HeadAsync(string repoId, string revision, string file, CancellationToken ct)
    {
        var url = ResolveUrl(repoId, revision, file);
        using var timeout = Timeout(ct);
        var response = await SendAsync(HttpMethod.Head, url, followAbsolute: false, rangeFrom: 0, timeout.Token, ct).ConfigureAwait(false);
        try
        {
            if ((int)response.StatusCode >= 400) throw StatusError(response, repoId, revision, file);
            string? linked = Header(response, "X-Linked-Etag");
            string? etag = NormalizeEtag(linked ?? Header(response, "ETag"));
            string? commit = Header(response, "X-Repo-Commit");
            long? linkedSize = long.TryParse(Header(response, "X-Linked-Size"), out long ls) ? ls : null;
            if (etag is null && IsRedirect(response) && Target(response, url) is { } next)
            {
                // A mirror that redirects to storage without announcing the file: ask the storage itself.
                response.Dispose();
                response = await SendAsync(HttpMethod.Head, next, followAbsolute: true, rangeFrom: 0, timeout.Token, ct).ConfigureAwait(false);
                if ((int)response.StatusCode >= 400) throw StatusError(response, repoId, revision, file);
                etag = NormalizeEtag(Header(response, "ETag"));
            }
            if (etag is null)
                throw new HubException(HubError.Protocol, $"{Show(url)} sent no ETag, so the file cannot be named in the cache (huggingface_hub refuses such files too).");
            long? size = linkedSize ?? (IsRedirect(response) ? null : response.Content.Headers.ContentLength);
            return new FileMetadata(etag, commit, size, linked is not null || RepoCache.IsSha256(etag));
        }
        finally
        {
            response.Dispose();
        }
    }

    /// <summary>
    /// GETs resolve/{rev}/{file} into <paramref name="partialPath"/>, resuming the bytes already there with
    /// "Range: bytes=N-" (a 200 answer ignored the Range: start over), and retrying a transfer that breaks off up to
    /// <see cref="MaxAttempts"/> times. What was received stays in <paramref name="partialPath"/> for the next run.
    /// </summary>
    public async Task DownloadAsync(string repoId, string revision, string file, string partialPath, long? size, DownloadProgress progress, CancellationToken ct)
    {
        var url = ResolveUrl(repoId, revision, file);
        long have = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        if (size is long whole && have > whole)
        {
            File.Delete(partialPath); // longer than the file: not a prefix of it
            have = 0;
        }
        var bar = progress.Start(file, size, have);
        for (int attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                if (size is long expected && have == expected) break;
                have = await TransferAsync(url, repoId, revision, file, partialPath, have, bar, ct).ConfigureAwait(false);
                if (size is not long announced || have >= announced) break;
                problem = $"the connection closed after {DownloadProgress.Size(have)}";
            }
            catch (TransferBrokenException e)
            {
                (problem, have) = (e.Message, e.BytesOnDisk);
            }
            catch (HubException e) when (e.Error == HubError.Network)
            {
                problem = e.Message;
            }
            if (attempt >= MaxAttempts)
                throw new HubException(HubError.Network,
                    $"downloading {file} from {url.Host} failed {attempt} times (last: {problem}). " +
                    $"{DownloadProgress.Size(have)} of it is kept in {partialPath}; running again resumes from there.");
            await Task.Delay(RetryDelay * attempt, ct).ConfigureAwait(false);
        }
        bar.Finish();
    }

    /// <summary>One GET; returns the bytes on disk when the body ends, throws <see cref="TransferBrokenException"/> when it breaks off.</summary>
    private async Task<long> TransferAsync(Uri url, string repoId, string revision, string file, string path, long have, FileProgress bar, CancellationToken ct)
    {
        HttpResponseMessage response;
        using (var timeout = Timeout(ct))
            response = await SendAsync(HttpMethod.Get, url, followAbsolute: true, rangeFrom: have, timeout.Token, ct).ConfigureAwait(false);
        using (response)
        {
            if (!response.IsSuccessStatusCode && !(have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable))
                throw StatusError(response, repoId, revision, file);
            bool resumed = have > 0 && response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
            if (have > 0 && !resumed)
            {
                // 200: the server ignored Range and sends everything; 416 or a 206 for other bytes: the partial file is unusable.
                bar.Restart();
                File.Delete(path);
                if (response.StatusCode != HttpStatusCode.OK) throw new TransferBrokenException($"the server could not resume (HTTP {(int)response.StatusCode})", 0);
                have = 0;
            }
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using var output = new FileStream(path, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            while (true)
            {
                int n;
                idle.CancelAfter(ReadTimeout);
                try
                {
                    n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TransferBrokenException($"no data for {ReadTimeout.TotalSeconds:0} s", have);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new TransferBrokenException(Reason(e), have);
                }
                if (n == 0) return have;
                await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                have += n;
                bar.Report(have);
            }
        }
    }

    /// <summary>Sends one request and follows redirects (relative ones only unless <paramref name="followAbsolute"/>); the token goes to the endpoint's origin only.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, bool followAbsolute, long rangeFrom, CancellationToken timeout, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity")); // sizes are the file's, not a compressed body's
            if (settings.Token is not null && SameOrigin(url, endpoint))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
            if (rangeFrom > 0) request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw Unreachable(url, $"no answer within {RequestTimeout.TotalSeconds:0} s", e);
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(url, Reason(e), e);
            }
            if (!IsRedirect(response) || Target(response, url) is not { } next) return response;
            if (!followAbsolute && IsAbsolute(Header(response, "Location")!)) return response;
            response.Dispose();
            if (hop == MaxRedirects) throw new HubException(HubError.Protocol, $"more than {MaxRedirects} redirects from {Show(url)}");
            url = next;
        }
    }

    private HubException StatusError(HttpResponseMessage response, string repoId, string revision, string? file)
    {
        var url = response.RequestMessage?.RequestUri ?? endpoint;
        int status = (int)response.StatusCode;
        string? code = Header(response, "X-Error-Code");
        string? message = Header(response, "X-Error-Message");
        string home = settings.Endpoint;
        string access = settings.Token is null
            ? "set HF_TOKEN to an access token (https://huggingface.co/settings/tokens) of an account that may read it"
            : "the token given (HF_TOKEN, or the one saved by `hf auth login`) has no access to it";
        var repoNotFound = new HubException(HubError.RepoNotFound,
            $"repository {repoId} was not found on {home}. Check the id (org/name, as in the model's URL); if it is private or gated, {access}.");
        bool fromHub = SameOrigin(url, endpoint);
        return code switch
        {
            "RevisionNotFound" => new(HubError.RevisionNotFound, $"revision '{revision}' was not found in {repoId} on {home}: give a branch, a tag or a 40-character commit hash."),
            "EntryNotFound" => new(HubError.EntryNotFound, $"{file} was not found in {repoId} at revision '{revision}' on {home}."),
            "GatedRepo" => new(HubError.GatedRepo, $"{repoId} is a gated model: accept its conditions at {home}/{repoId}, then {access}."),
            "RepoNotFound" or "RepositoryNotFound" => repoNotFound,
            _ when message == "Access to this resource is disabled." => new(HubError.RepoNotFound, $"{repoId} is disabled on {home}."),
            _ when fromHub && status == 401 && settings.Token is not null && message == "Invalid credentials in Authorization header" =>
                new(HubError.GatedRepo, $"{home} rejected the token (HF_TOKEN, or the one saved by `hf auth login`) as invalid."),
            _ when fromHub && status == 401 => repoNotFound,
            _ when fromHub && status == 403 => new(HubError.GatedRepo, $"{home} refused access to {repoId} (HTTP 403): {access}."),
            _ when fromHub && status == 404 => file is null ? repoNotFound : new(HubError.EntryNotFound, $"{file} was not found in {repoId} at revision '{revision}' on {home}."),
            _ => new(HubError.Protocol, $"{Show(url)} answered HTTP {status} {response.ReasonPhrase}{(message is null ? "" : ": " + message)}."),
        };
    }

    private HubException Unreachable(Uri url, string reason, Exception inner)
    {
        string where = SameOrigin(url, endpoint) ? $"the hub at {settings.Endpoint}" : $"{url.Scheme}://{url.Authority} (where {settings.Endpoint} sent the download)";
        return new HubException(HubError.Network,
            $"cannot reach {where}: {reason}. Check the network connection, the proxy (HTTPS_PROXY) or HF_ENDPOINT; with HF_HUB_OFFLINE=1 only the cache is used.", inner);
    }

    private static string Reason(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host name not found",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
        HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError } => "the proxy refused the connection",
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused",
        { InnerException: SocketException s } => s.Message,
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "the connection closed early",
        _ => e.Message,
    };

    /// <summary>huggingface_hub's _normalize_etag: without the weak prefix W/ and the quotes.</summary>
    internal static string? NormalizeEtag(string? etag)
    {
        if (etag is null) return null;
        etag = etag.Trim();
        if (etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        etag = etag.Trim('"');
        return etag.Length == 0 ? null : etag;
    }

    /// <summary>A header's raw value: NonValidated, because a relative Location parsed as a Uri turns into file:// on Unix.</summary>
    private static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.NonValidated.TryGetValues(name, out var values) || r.Content.Headers.NonValidated.TryGetValues(name, out values) ? values.ToString() : null;

    private static bool IsRedirect(HttpResponseMessage r) => (int)r.StatusCode is >= 300 and < 400;

    private static Uri? Target(HttpResponseMessage r, Uri current)
    {
        if (Header(r, "Location") is not { Length: > 0 } location) return null;
        if (location.StartsWith("//", StringComparison.Ordinal)) location = current.Scheme + ":" + location;
        if (Uri.TryCreate(location, UriKind.Absolute, out var absolute) && (absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps))
            return absolute;
        return Uri.TryCreate(current, location, out var relative) ? relative : null;
    }

    /// <summary>As huggingface_hub decides (urlparse(location).netloc != ""): a Location naming a host is absolute.</summary>
    private static bool IsAbsolute(string location) =>
        location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>A URL for messages: without the query (a CDN's signed URLs are long and secret-ish).</summary>
    private static string Show(Uri url) => url.GetLeftPart(UriPartial.Path);

    private CancellationTokenSource Timeout(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(RequestTimeout);
        return cts;
    }

    private static HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // followed by hand: HEAD must stop at the CDN redirect, and the token must not follow it
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("kefu", typeof(HubHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
        return http;
    }

    /// <summary>A download that broke off after <see cref="BytesOnDisk"/> bytes were written; it is resumed.</summary>
    private sealed class TransferBrokenException(string message, long bytesOnDisk) : Exception(message)
    {
        public long BytesOnDisk { get; } = bytesOnDisk;
    }
}
