using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Hub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Tests.Hub;

/// <summary>A file of a fake repo. LFS files are served as the hub serves them: a 302 to the CDN with X-Linked-Etag = sha256.</summary>
public sealed record FakeFile(string Path, byte[] Bytes, bool Lfs)
{
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Bytes));

    /// <summary>git's blob id, the hub's ETag for a file stored in git: sha1("blob {size}\0" + bytes).</summary>
    public string GitSha1 { get; } = GitBlobId(Bytes);

    /// <summary>The etag huggingface_hub names the blob by.</summary>
    public string Etag => Lfs ? Sha256 : GitSha1;

    /// <summary>What git stores for an LFS file (its ETag on the hub, not its blob name).</summary>
    public byte[] Pointer => Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{Sha256}\nsize {Bytes.Length}\n");

    public static string GitBlobId(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));
}

/// <summary>A repository at one commit; "main" and the tags resolve to it.</summary>
public sealed record FakeRepo(string Id, string Commit, IReadOnlyList<FakeFile> Files, IReadOnlyList<string>? Tags = null)
{
    /// <summary>Every file under <paramref name="folder"/>, *.safetensors as LFS files (as on the hub).</summary>
    public static FakeRepo FromFolder(string id, string commit, string folder) =>
        new(id, commit, [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f =>
            new FakeFile(Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes(f), f.EndsWith(".safetensors", StringComparison.Ordinal)))]);

    public FakeFile this[string path] => Files.Single(f => f.Path == path);
}

/// <summary>One request the fake hub (or its CDN) received.</summary>
public sealed record FakeRequest(string Method, string Path, string? Range, string? Authorization, bool Cdn);

/// <summary>
/// An in-process Kestrel server speaking the hub's download protocol on one ephemeral 127.0.0.1 port, with a "CDN"
/// on a second port (another origin) that rejects an Authorization header as S3 does: GET /api/models/{repo}/revision/{rev},
/// HEAD/GET /{repo}/resolve/{rev}/{file} with ETag, X-Repo-Commit, X-Linked-Etag and X-Linked-Size, Range requests, and
/// X-Error-Code errors. Switches break it the ways the client must survive.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Dictionary<string, FakeRepo> repos;
    private int cdnPort;
    private int cutsLeft;

    private FakeHub(WebApplication app, IEnumerable<FakeRepo> repos)
    {
        this.app = app;
        this.repos = repos.ToDictionary(r => r.Id);
    }

    public string Endpoint { get; private set; } = "";

    public string CdnOrigin { get; private set; } = "";

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>When set, resolve answers 401 GatedRepo unless "Authorization: Bearer {token}" comes with it (the API stays public, as on the hub).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Files served with one byte flipped (same size, wrong sha256).</summary>
    public HashSet<string> Corrupt { get; } = [];

    /// <summary>Files the API lists but resolve answers 404 EntryNotFound for.</summary>
    public HashSet<string> Missing { get; } = [];

    /// <summary>Old repo id → new: every request for the old one gets a relative 307 to the new one.</summary>
    public Dictionary<string, string> Renamed { get; } = [];

    /// <summary>Answer Range requests with 200 and the whole file.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>The next <paramref name="times"/> GETs of <paramref name="file"/>'s bytes send half of what was asked, then drop the connection.</summary>
    public void Cut(string file, int times)
    {
        CutFile = file;
        Volatile.Write(ref cutsLeft, times);
    }

    private string? CutFile { get; set; }

    public static async Task<FakeHub> StartAsync(params FakeRepo[] repos)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var hub = new FakeHub(app, repos);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        hub.Endpoint = addresses[0].TrimEnd('/');
        hub.CdnOrigin = addresses[1].TrimEnd('/');
        hub.cdnPort = new Uri(hub.CdnOrigin).Port;
        return hub;
    }

    public HubSettings Settings(string cacheDir, string? token = null, bool offline = false) => new(Endpoint, cacheDir, token, offline);

    /// <summary>The requests received since <paramref name="mark"/> (a count of <see cref="Requests"/> taken earlier).</summary>
    public IReadOnlyList<FakeRequest> Since(int mark) => [.. Requests.Skip(mark)];

    private async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        string path = request.Path.Value ?? "/";
        bool cdn = ctx.Connection.LocalPort == cdnPort;
        string? auth = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;
        string? range = request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null;
        Requests.Enqueue(new FakeRequest(request.Method, path + request.QueryString, range, auth, cdn));
        if (cdn)
            await ServeCdnAsync(ctx, path, auth);
        else if (path.StartsWith("/api/models/", StringComparison.Ordinal))
            await ServeApiAsync(ctx, path["/api/models/".Length..]);
        else if (path.IndexOf("/resolve/", StringComparison.Ordinal) is > 0 and int at)
            await ServeResolveAsync(ctx, path[1..at], path[(at + "/resolve/".Length)..], auth);
        else
            ctx.Response.StatusCode = 404;
    }

    private async Task ServeApiAsync(HttpContext ctx, string rest)
    {
        int at = rest.IndexOf("/revision/", StringComparison.Ordinal);
        string id = rest[..at], revision = rest[(at + "/revision/".Length)..];
        if (Renamed.TryGetValue(id, out var newId))
        {
            Redirect(ctx, 307, $"/api/models/{newId}/revision/{Uri.EscapeDataString(revision)}{ctx.Request.QueryString}");
            return;
        }
        if (Find(ctx, id, revision) is not { } repo) return;
        bool blobs = ctx.Request.Query["blobs"] == "true";
        var siblings = repo.Files.Select(f => blobs
            ? (object)new { rfilename = f.Path, size = f.Bytes.Length, blobId = f.Lfs ? FakeFile.GitBlobId(f.Pointer) : f.GitSha1, lfs = f.Lfs ? new { sha256 = f.Sha256, size = f.Bytes.Length, pointerSize = f.Pointer.Length } : null }
            : new { rfilename = f.Path });
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { id = repo.Id, modelId = repo.Id, sha = repo.Commit, siblings }));
    }

    private async Task ServeResolveAsync(HttpContext ctx, string id, string rest, string? auth)
    {
        int slash = rest.IndexOf('/');
        string revision = rest[..slash], file = rest[(slash + 1)..];
        if (Renamed.TryGetValue(id, out var newId))
        {
            Redirect(ctx, 307, $"/{newId}/resolve/{Uri.EscapeDataString(revision)}/{Uri.EscapeDataString(file).Replace("%2F", "/")}");
            return;
        }
        if (Find(ctx, id, revision) is not { } repo) return;
        if (RequiredToken is not null && auth != "Bearer " + RequiredToken)
        {
            Error(ctx, 401, "GatedRepo", $"Access to model {id} is restricted. You must have access to it and be authenticated to access it. Please log in.");
            return;
        }
        var f = repo.Files.FirstOrDefault(x => x.Path == file);
        if (f is null || Missing.Contains(file))
        {
            Error(ctx, 404, "EntryNotFound", "Entry not found");
            return;
        }
        ctx.Response.Headers["X-Repo-Commit"] = repo.Commit;
        if (f.Lfs)
        {
            ctx.Response.Headers.ETag = $"\"{FakeFile.GitBlobId(f.Pointer)}\"";
            ctx.Response.Headers["X-Linked-Etag"] = $"\"{f.Sha256}\"";
            ctx.Response.Headers["X-Linked-Size"] = f.Bytes.Length.ToString();
            Redirect(ctx, 302, $"{CdnOrigin}/cdn/{f.Sha256}?X-Amz-Signature=fake");
            return;
        }
        ctx.Response.Headers.ETag = file == "config.json" ? $"W/\"{f.GitSha1}\"" : $"\"{f.GitSha1}\"";
        await ServeBytesAsync(ctx, f);
    }

    private async Task ServeCdnAsync(HttpContext ctx, string path, string? auth)
    {
        if (auth is not null)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>");
            return;
        }
        string sha = path["/cdn/".Length..];
        var f = repos.Values.SelectMany(r => r.Files).FirstOrDefault(x => x.Sha256 == sha);
        if (f is null)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.Headers.ETag = $"\"{f.Sha256}\"";
        await ServeBytesAsync(ctx, f);
    }

    private async Task ServeBytesAsync(HttpContext ctx, FakeFile f)
    {
        byte[] bytes = f.Bytes;
        if (Corrupt.Contains(f.Path))
        {
            bytes = [.. bytes];
            bytes[bytes.Length / 2] ^= 0xFF;
        }
        long from = 0;
        string range = ctx.Request.Headers.Range.ToString();
        if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1]);
            if (from >= bytes.Length)
            {
                ctx.Response.StatusCode = 416;
                ctx.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                return;
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        ctx.Response.Headers.AcceptRanges = "bytes";
        ctx.Response.ContentLength = bytes.Length - from;
        if (HttpMethods.IsHead(ctx.Request.Method)) return;
        var body = bytes.AsMemory((int)from);
        if (f.Path == CutFile && Interlocked.Decrement(ref cutsLeft) >= 0)
        {
            await ctx.Response.Body.WriteAsync(body[..(body.Length / 2)]);
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(200); // lets the client read what was sent before the connection drops
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(body);
    }

    /// <summary>The repo at a revision (main, a tag, or its commit), or an X-Error-Code 404 answered.</summary>
    private FakeRepo? Find(HttpContext ctx, string id, string revision)
    {
        if (!repos.TryGetValue(id, out var repo))
        {
            Error(ctx, 404, "RepoNotFound", "Repository not found");
            return null;
        }
        if (revision != "main" && revision != repo.Commit && !(repo.Tags ?? []).Contains(revision))
        {
            Error(ctx, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return null;
        }
        return repo;
    }

    private static void Error(HttpContext ctx, int status, string code, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-Error-Code"] = code;
        ctx.Response.Headers["X-Error-Message"] = message;
    }

    private static void Redirect(HttpContext ctx, int status, string location)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers.Location = location;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
