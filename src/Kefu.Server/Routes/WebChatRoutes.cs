using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Kefu.Server.Routes;

/// <summary>The single-page web chat: wwwroot embedded in the assembly, served from memory with ETags.</summary>
public static class WebChatRoutes
{
    private const string ResourcePrefix = "Kefu.Server.wwwroot.";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder app)
    {
        var assets = LoadAssets();
        var group = app.MapGroup("").ExcludeFromDescription();
        group.MapGet("/", (HttpContext context) => Serve(context, assets["index.html"]));
        group.MapGet("/webchat/{file}", (string file, HttpContext context) =>
            assets.TryGetValue(file, out var asset) ? Serve(context, asset) : (IResult)TypedResults.NotFound());
        return app;
    }

    private static IResult Serve(HttpContext context, Asset asset)
    {
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>file name (as in wwwroot) -> its bytes; wwwroot is flat.</summary>
    private static Dictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(WebChatRoutes).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var file = name[ResourcePrefix.Length..];
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"").ToString();
            assets[file] = new Asset(content, ContentTypeOf(file), etag);
        }
        if (!assets.ContainsKey("index.html"))
            throw new InvalidOperationException($"the web chat's index.html is not embedded in {assembly.GetName().Name}");
        return assets;
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
