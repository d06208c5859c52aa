using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>The single-page web chat: wwwroot (without the console's folder) embedded in the assembly, served from memory with ETags.</summary>
public static class WebChatRoutes
{
    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder app)
    {
        var assets = new EmbeddedAssets("wwwroot", exclude: "console");
        var group = app.MapGroup("").ExcludeFromDescription();
        group.MapGet("/", (HttpContext context) => assets.Serve(context, "index.html"));
        group.MapGet("/webchat/{file}", (string file, HttpContext context) => assets.Serve(context, file));
        return app;
    }
}
