using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Agents;

/// <summary>The console's page, wwwroot/console embedded in the assembly, served from memory with ETags as the web chat is.</summary>
internal static class ConsoleAssets
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var assets = new EmbeddedAssets("wwwroot.console");
        var group = app.MapGroup("/console").ExcludeFromDescription();
        group.MapGet("/", (HttpContext context) => assets.Serve(context, "index.html"));
        group.MapGet("/assets/{file}", (string file, HttpContext context) => assets.Serve(context, file));
    }
}
