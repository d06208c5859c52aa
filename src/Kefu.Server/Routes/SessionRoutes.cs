using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// Web chat sessions (see <see cref="ConversationSessions"/>): a browser asks for a conversation of its own before
/// its first message. Public; it stores nothing, so asking costs one HMAC.
/// </summary>
public static class SessionRoutes
{
    public static RouteGroupBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/rest").WithTags("Channels");
        group.MapPost("/sessions", Start)
            .WithSummary("Starts a web chat conversation: its sender id, and the HttpOnly cookie that its webhook posts and polls need")
            .WithDescription("""
                The body is ignored. The answer's sender ("webchat-...") is the conversation's id for the webhook and the
                messages route; the Set-Cookie (HttpOnly, SameSite=Strict, Path=/webhooks/rest/) is its proof of ownership:
                without it (or the server's token) those routes answer 403 for this conversation. With ?embed=1 and
                --cors-origins listing origins (the chat framed by /webchat/embed.js) the cookie is SameSite=None; Secure; Partitioned.
                """);
        return group;
    }

    private static Created<SessionResponse> Start(HttpContext context, ConversationSessions sessions, KefuServerOptions options, string? embed)
    {
        // Only a server whose chat page other sites may frame (Http.SecurityHeaders) gives the cookie that frame needs.
        var framed = embed == "1" && options.CorsOrigins.Any(o => o != "*");
        var sender = sessions.Start(context, framed);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{ConversationSessions.CookiePath}conversations/{sender}/messages", new SessionResponse(sender));
    }
}
