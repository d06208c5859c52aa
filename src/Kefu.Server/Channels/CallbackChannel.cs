using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Kefu.Server.Channels;

/// <summary>
/// Rasa's callback channel (rasa/core/channels/callback.py; https://rasa.com/docs/rasa/connectors/your-own-website#callbackinput):
/// POST /webhooks/callback/webhook takes the REST channel's body {"sender","message","metadata"} and answers "success"; each
/// of the bot's messages is then POSTed as JSON {"recipient_id","text",...} to credentials.yml's `url`. Like Rasa's, the
/// webhook is public (no signature); Kefu adds an optional "message_id" that makes a resent message run once.
/// The conversation is "callback:{sender}"; the messages posted back carry the client's own sender as recipient_id.
/// </summary>
internal static class CallbackChannel
{
    public const string Name = "callback";

    public static void Map(IEndpointRouteBuilder routes, CallbackSettings settings)
    {
        var group = routes.MapGroup("/webhooks/callback").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa's channel health check");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options,
                IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) => Webhook(context, settings, turns, delivery, options, json.Value.SerializerOptions))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Rasa's callback channel: a user message in, \"success\" out; the bot's messages are posted to the callback url");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, CallbackSettings settings,
        ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options, JsonSerializerOptions json)
    {
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var (root, notJson) = ChannelRequest.ParseObject(body!, Name);
        if (notJson is not null)
            return notJson;
        var sender = root.String("sender");
        var text = root.String("message");
        var metadata = root.Object("metadata");
        if (InputRules.MessageText(text, "message", options.Limits) is { } badText)
            return Problems.BadRequest(badText);
        if (sender is null)
            return Problems.BadRequest("sender is required (a string)");
        if (ChannelTurns.SenderId(Name, sender, options.Limits, out var badSender) is not { } senderId)
            return Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        // Without a message_id every post is a new message, as in Rasa.
        var messageId = root.String("message_id") is { Length: > 0 and <= 256 } given ? $"{sender}\n{given}" : Guid.NewGuid().ToString("N");
        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, messageId, text!, metadata);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran)
            delivery.Enqueue(Name, senderId, ran.Replies.Select(reply => new PlatformCall(() => new HttpRequestMessage(HttpMethod.Post, settings.Url)
            {
                Content = JsonContent.Create(RestChannelReply.From(sender, reply), options: json),
            })).ToArray());
        return TypedResults.Text("success");
    }
}
