using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's REST channel: the public webhook that the web chat and Rasa clients post to. A web chat's conversation
/// (a sender id from POST /webhooks/rest/sessions) answers only to its session's cookie or the token.
/// </summary>
public static class RestChannelRoutes
{
    public static RouteGroupBuilder MapRestChannel(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/rest").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok")))
            .WithSummary("Rasa's channel health check");
        group.MapPost("/webhook", Webhook)
            .Accepts<RestChannelRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Send a user message; returns the bot's replies");
        return group;
    }

    private static async Task<Results<Ok<RestChannelReply[]>, ProblemHttpResult>> Webhook(
        HttpRequest request, IChatService chat, ServerReadiness readiness, ConversationSessions sessions, KefuServerOptions options, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        var (body, problem) = await JsonBody.ReadAsync<RestChannelRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.SenderId(body!.Sender, "sender", options.Limits) is { } badSender)
            return Problems.BadRequest(badSender);
        if (sessions.RefuseWrite(request, body.Sender!) is { } refused)
            return refused;
        if (InputRules.MessageText(body.Message, "message", options.Limits) is { } badMessage)
            return Problems.BadRequest(badMessage);
        if (InputRules.Metadata(body.Metadata) is { } badMetadata)
            return Problems.BadRequest(badMetadata);
        if (await ConversationSize.CheckAsync(request.HttpContext, body.Sender!, options.Limits) is { } full)
            return full;

        // A turn that has started runs to its end even if the client hangs up: its events stay whole.
        var replies = await chat.HandleMessageAsync(body.Sender!, body.Message!, body.Metadata, CancellationToken.None);
        return TypedResults.Ok(replies.Select(r => RestChannelReply.From(body.Sender!, r)).ToArray());
    }
}
