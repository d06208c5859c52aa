using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kefu.Server.Http;

/// <summary>
/// One folder of wwwroot, embedded in the assembly and served from memory with ETags: the web chat (wwwroot) and the
/// agent console (wwwroot/console). Resource names flatten folders into dots, so a folder's files are those under its
/// prefix, less those of the sub-folders named in <c>exclude</c>.
/// </summary>
internal sealed class EmbeddedAssets
{
    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    /// <param name="folder">"wwwroot" or "wwwroot.console"; the folder must hold an index.html.</param>
    public EmbeddedAssets(string folder, params string[] exclude)
    {
        var assembly = typeof(EmbeddedAssets).Assembly;
        var prefix = $"{assembly.GetName().Name}.{folder}.";
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var file = name[prefix.Length..];
            if (exclude.Any(sub => file.StartsWith(sub + ".", StringComparison.Ordinal))) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"").ToString();
            _assets[file] = new Asset(content, ContentTypeOf(file), etag);
        }
        if (!_assets.ContainsKey("index.html"))
            throw new InvalidOperationException($"{folder}/index.html is not embedded in {assembly.GetName().Name}");
    }

    /// <summary>The file, 304 when the client has it already, or 404 for a name the folder lacks.</summary>
    public IResult Serve(HttpContext context, string file)
    {
        if (!_assets.TryGetValue(file, out var asset))
            return TypedResults.NotFound();
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };
}
