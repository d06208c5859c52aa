using Kefu.Dialogue;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>Erasure requests (docs/privacy.md): DELETE /conversations/{id} removes every event of the conversation.</summary>
public static class ErasureRoutes
{
    public static RouteHandlerBuilder MapErasure(this IEndpointRouteBuilder app, string? token) =>
        app.MapDelete("/conversations/{id}", Erase).WithTags("Conversations").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Erases the conversation: every stored event and the engine's memory of it; 204, also for an unknown id")
            .WithDescription("""
                Runs under the conversation's lock: a turn in progress finishes first and cannot write it back. Idempotent:
                a second DELETE, or one for a conversation that never existed, is 204 too. A later message under the same
                id starts a new, empty conversation.
                """);

    private static async Task<Results<NoContent, ProblemHttpResult>> Erase(string id, IChatService chat, ServerReadiness readiness,
        KefuServerOptions options)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (InputRules.ConversationId(id, "conversation id", options.Limits) is { } badId)
            return Problems.BadRequest(badId);
        try
        {
            // Not cancelled by a client that hangs up: an erasure half done would leave the store and the cache apart.
            await chat.EraseAsync(id, ct: CancellationToken.None);
        }
        catch (NotSupportedException e)
        {
            // An engine or store that cannot erase (a test stand-in): said, not a 500.
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status501NotImplemented, title: "Erasure not supported");
        }
        return TypedResults.NoContent();
    }
}
