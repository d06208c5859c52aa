using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's REST channel: the public webhook that the web chat and Rasa clients post to. A web chat's conversation
/// (a sender id from POST /webhooks/rest/sessions) answers only to its session's cookie or the token.
/// POST /webhooks/rest/stream takes the same body and answers server-sent events: `delta` {"text"} pieces of a reply
/// still being made (an LLM's answer, see <see cref="ReplyStream"/>; provisional), then one `message` per reply in the
/// webhook's shape (the turn's persisted messages, which replace the pieces), then `done`.
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
        group.MapPost("/stream", Stream)
            .Accepts<RestChannelRequest>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Send a user message; the replies as server-sent events, with the pieces of a reply being made");
        return group;
    }

    private static async Task<Results<Ok<RestChannelReply[]>, ProblemHttpResult>> Webhook(
        HttpRequest request, IChatService chat, ServerReadiness readiness, ConversationSessions sessions, KefuServerOptions options, CancellationToken ct)
    {
        var (body, problem) = await AcceptAsync(request, readiness, sessions, options, ct);
        if (problem is not null)
            return problem;

        // A turn that has started runs to its end even if the client hangs up: its events stay whole. Past Rasa's
        // --response-timeout (Sanic's RESPONSE_TIMEOUT) the answer gives up, the turn does not.
        IReadOnlyList<BotMessage> replies;
        try
        {
            replies = await chat.HandleMessageAsync(body!.Sender!, body.Message!, body.Metadata, CancellationToken.None)
                .WaitAsync(options.ResponseTimeout, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            return TypedResults.Problem(
                $"the bot's turn took longer than the response timeout of {options.ResponseTimeout.TotalSeconds:0.###} s (--response-timeout); " +
                $"it goes on and is stored: its replies can be read from GET /webhooks/rest/conversations/{{sender}}/messages",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Response timeout");
        }
        return TypedResults.Ok(replies.Select(r => RestChannelReply.From(body.Sender!, r)).ToArray());
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Stream(
        HttpRequest request, IChatService chat, ServerReadiness readiness, ConversationSessions sessions, KefuServerOptions options, CancellationToken ct)
    {
        var (body, problem) = await AcceptAsync(request, readiness, sessions, options, ct);
        if (problem is not null)
            return problem;
        var response = request.HttpContext.Response;
        var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        bool gone = false;
        async ValueTask Send(string name, object data)
        {
            if (gone) return;
            try
            {
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {JsonSerializer.Serialize(data, json)}\n\n"), ct);
                await response.Body.FlushAsync(ct);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                gone = true;   // the client left; the turn still runs to its end
            }
        }

        IReadOnlyList<BotMessage> replies;
        using (ReplyStream.Listen(text => Send("delta", new { text })))
            replies = await chat.HandleMessageAsync(body!.Sender!, body.Message!, body.Metadata, CancellationToken.None);
        foreach (var reply in replies)
            await Send("message", RestChannelReply.From(body.Sender!, reply));
        await Send("done", new { });
        return TypedResults.Empty;
    }

    /// <summary>The webhook's body when the server is ready and every rule passes; else the problem to answer.</summary>
    private static async Task<(RestChannelRequest? Body, ProblemHttpResult? Problem)> AcceptAsync(
        HttpRequest request, ServerReadiness readiness, ConversationSessions sessions, KefuServerOptions options, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return (null, Problems.NotReady(readiness));
        var (body, problem) = await JsonBody.ReadAsync<RestChannelRequest>(request, ct);
        if (problem is not null)
            return (null, problem);
        if (InputRules.SenderId(body!.Sender, "sender", options.Limits) is { } badSender)
            return (null, Problems.BadRequest(badSender));
        if (sessions.RefuseWrite(request, body.Sender!) is { } refused)
            return (null, refused);
        if (InputRules.MessageText(body.Message, "message", options.Limits) is { } badMessage)
            return (null, Problems.BadRequest(badMessage));
        if (InputRules.Metadata(body.Metadata) is { } badMetadata)
            return (null, Problems.BadRequest(badMetadata));
        if (await ConversationSize.CheckAsync(request.HttpContext, body.Sender!, options.Limits) is { } full)
            return (null, full);
        return (body, null);
    }
}
