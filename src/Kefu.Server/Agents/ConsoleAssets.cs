using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Kefu.Server.Agents;

/// <summary>The console's page, wwwroot/console embedded in the assembly, served from memory with ETags as the web chat is.</summary>
internal static class ConsoleAssets
{
    private const string ResourcePrefix = "Kefu.Server.wwwroot.console.";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    public static void Map(IEndpointRouteBuilder app)
    {
        var assets = Load();
        var group = app.MapGroup("/console").ExcludeFromDescription();
        group.MapGet("/", (HttpContext context) => Serve(context, assets["index.html"]));
        group.MapGet("/assets/{file}", (string file, HttpContext context) =>
            assets.TryGetValue(file, out var asset) ? Serve(context, asset) : TypedResults.NotFound());
    }

    private static IResult Serve(HttpContext context, Asset asset)
    {
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Dictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var file = name[ResourcePrefix.Length..];
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"").ToString();
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            assets[file] = new Asset(content, type, etag);
        }
        if (!assets.ContainsKey("index.html"))
            throw new InvalidOperationException($"the console's index.html is not embedded in {assembly.GetName().Name}");
        return assets;
    }
}
