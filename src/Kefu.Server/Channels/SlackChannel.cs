using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace Kefu.Server.Channels;

/// <summary>
/// Slack's Events API and interactivity on one webhook, as Rasa's slack channel has them:
///   verification  X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:{X-Slack-Request-Timestamp}:{body}")),
///                 the timestamp within 5 minutes of now (https://api.slack.com/authentication/verifying-requests-from-slack);
///   url_verification {"challenge"} is answered with the challenge (https://api.slack.com/events/url_verification);
///   event_callback {"event_id","event":{"type":"message"|"app_mention","user","text","channel"}} runs a turn; messages
///                 from bots (bot_id) and with a subtype (edits, joins, bot_message) are acknowledged and skipped;
///   block_actions (form field payload={"type":"block_actions","user":{"id"},"channel":{"id"},"actions":[{"value"}]}): a
///                 pressed button sends its value (https://api.slack.com/reference/interaction-payloads/block-actions).
/// The conversation is "slack:{user id}". event_id (trigger_id for a button) is the de-duplication key: a retry Slack sends
/// (X-Slack-Retry-Num) after a delivery that ran is acknowledged without a turn; one whose first delivery failed runs.
/// Replies: chat.postMessage {"channel","text","blocks"} (https://api.slack.com/methods/chat.postMessage) to the message's
/// channel, or slack_channel when the request names none; a custom payload is the postMessage body itself, as in Rasa.
/// </summary>
internal static class SlackChannel
{
    public const string Name = "slack";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static void Map(IEndpointRouteBuilder routes, SlackSettings settings)
    {
        var group = routes.MapGroup("/webhooks/slack").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa's channel health check");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options) =>
                Webhook(context, settings, turns, delivery, options))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Slack's Events API and interactivity: signed events in, replies through chat.postMessage");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, SlackSettings settings,
        ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options)
    {
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        if (Verify(context.Request, body!, settings.SigningSecret, DateTimeOffset.UtcNow) is { } forged)
            return ChannelRequest.NotVerified(forged);

        JsonElement root;
        if (context.Request.HasFormContentType)
        {
            var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body!));
            if (!form.TryGetValue("payload", out var payload))
                return Http.Problems.BadRequest("a Slack form post needs a payload field (an interaction payload)");
            var (parsed, notJson) = ChannelRequest.ParseObject(Encoding.UTF8.GetBytes(payload.ToString()), Name);
            if (notJson is not null)
                return notJson;
            root = parsed;
        }
        else
        {
            var (parsed, notJson) = ChannelRequest.ParseObject(body!, Name);
            if (notJson is not null)
                return notJson;
            root = parsed;
        }

        if (root.String("type") == "url_verification")
            return TypedResults.Text(root.String("challenge") ?? "", "text/plain");
        var message = Extract(root);
        if (message is not { } m)
            return TypedResults.Text("");   // not a user's message: acknowledged, nothing to answer
        if (Http.InputRules.MessageText(m.Text, "text", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, m.User, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, m.Id, m.Text, null);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran && (m.Channel ?? settings.Channel) is { } channel)
            delivery.Enqueue(Name, senderId, [.. ran.Replies.Select(reply => Call(settings, PostMessage(channel, reply)))]);
        return TypedResults.Text("");
    }

    /// <summary>Null when the signature is Slack's and fresh; why not otherwise.</summary>
    internal static string? Verify(HttpRequest request, byte[] body, string secret, DateTimeOffset now)
    {
        var timestamp = request.Headers["X-Slack-Request-Timestamp"].ToString();
        var signature = request.Headers["X-Slack-Signature"].ToString();
        if (timestamp.Length == 0 || signature.Length == 0)
            return "the request lacks X-Slack-Request-Timestamp or X-Slack-Signature: only Slack's signed requests are taken";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > Window.TotalSeconds)
            return "X-Slack-Request-Timestamp is not within 5 minutes of the server's clock: a replayed request, or a clock to set right";
        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)) ? null
            : "X-Slack-Signature does not match the body signed with slack_signing_secret";
    }

    /// <summary>"v0=" + hex HMAC-SHA256 of "v0:{timestamp}:{body}" under the signing secret.</summary>
    internal static string Sign(string secret, string timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes($"v0:{timestamp}:");
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), (byte[])[.. prefix, .. body]);
        return "v0=" + Convert.ToHexStringLower(hash);
    }

    private readonly record struct UserMessage(string Id, string User, string Text, string? Channel);

    private static UserMessage? Extract(JsonElement root)
    {
        switch (root.String("type"))
        {
            case "event_callback":
                var e = root.Object("event");
                if (e is not { } ev || ev.String("type") is not ("message" or "app_mention") || ev.String("subtype") is not null
                    || ev.String("bot_id") is not null || ev.String("user") is not { } user || ev.String("text") is not { } text
                    || root.String("event_id") is not { } eventId)
                    return null;
                return new UserMessage(eventId, user, text, ev.String("channel"));
            case "block_actions":
                if (root.Object("user")?.String("id") is not { } presser || root.String("trigger_id") is not { } trigger
                    || !root.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array
                    || actions.GetArrayLength() == 0 || actions[0].String("value") is not { } value)
                    return null;
                return new UserMessage(trigger, presser, value, root.Object("channel")?.String("id"));
            default:
                return null;
        }
    }

    /// <summary>chat.postMessage's body for one reply: text, a section with buttons, an image block, or the custom payload.</summary>
    private static JsonObject PostMessage(string channel, BotMessage reply)
    {
        if (reply.Custom is { ValueKind: JsonValueKind.Object } custom)
        {
            var own = JsonNode.Parse(custom.GetRawText())!.AsObject();
            own["channel"] = channel;
            return own;
        }
        var message = new JsonObject { ["channel"] = channel, ["text"] = reply.Text ?? reply.Image ?? "" };
        var blocks = new JsonArray();
        if (reply.Buttons is { Count: > 0 } buttons)
        {
            if (reply.Text is { Length: > 0 } text)
                blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = text } });
            blocks.Add(new JsonObject
            {
                ["type"] = "actions",
                ["elements"] = new JsonArray([.. buttons.Select(b => (JsonNode)new JsonObject
                {
                    ["type"] = "button",
                    ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = b.Title },
                    ["value"] = b.Payload,
                })]),
            });
        }
        if (reply.Image is { Length: > 0 } image)
            blocks.Add(new JsonObject { ["type"] = "image", ["image_url"] = image, ["alt_text"] = reply.Text ?? image });
        if (blocks.Count > 0)
            message["blocks"] = blocks;
        return message;
    }

    private static PlatformCall Call(SlackSettings settings, JsonObject payload) => new(() =>
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.ApiUrl, "chat.postMessage")) { Content = JsonContent.Create(payload) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        return request;
    }, ReadFailure);

    /// <summary>The Web API answers 200 {"ok":false,"error"} on failure; "ratelimited" (also a 429) is worth a retry.</summary>
    private static async Task<PlatformFailure?> ReadFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
                return null;
            var error = answer.String("error") ?? "the Web API did not answer ok";
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: {error}", error == "ratelimited", response.Headers.RetryAfter?.Delta);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not the Web API's JSON", false);
        }
    }
}
