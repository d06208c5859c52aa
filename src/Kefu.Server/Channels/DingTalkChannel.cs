using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// A DingTalk enterprise-internal robot with HTTP callback (钉钉企业内部机器人, outgoing;
/// https://open.dingtalk.com/document/orgapp/receive-message, https://open.dingtalk.com/document/orgapp/enterprise-created-chatbot):
///   verification  headers `timestamp` (Unix ms) and `sign` = Base64(HMAC-SHA256(app_secret, timestamp + "\n" + app_secret)),
///                 the timestamp within an hour of now (DingTalk's rule);
///   messages      {"msgId","msgtype":"text","text":{"content"},"senderId","senderStaffId","conversationType","sessionWebhook",
///                 "sessionWebhookExpiredTime" (Unix ms), ...}: a text runs a turn for "dingtalk:{senderStaffId or senderId}";
///                 other types are answered without a turn. msgId de-duplicates.
/// Replies: POST the message's sessionWebhook {"msgtype":"text","text":{"content"}} → {"errcode":0,"errmsg":"ok"} while it has
/// not expired. The sessionWebhook comes in the request, so Kefu posts only to one on api_url's scheme, host and port
/// (https://oapi.dingtalk.com): a signed request cannot make the server post elsewhere.
/// </summary>
internal static class DingTalkChannel
{
    public const string Name = "dingtalk";
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    public static void Map(IEndpointRouteBuilder routes, DingTalkSettings settings)
    {
        var group = routes.MapGroup("/webhooks/dingtalk").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa-style channel health check");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options,
                ILogger<DingTalkSettings> logger) => Webhook(context, settings, turns, delivery, options, logger))
            .Produces<string>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("DingTalk robot messages (HTTP callback, signed with the app secret); replies through the message's sessionWebhook");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, DingTalkSettings settings,
        ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options, ILogger logger)
    {
        if (Verify(context.Request, settings.AppSecret, DateTimeOffset.UtcNow) is { } forged)
            return ChannelRequest.NotVerified(forged);
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var (root, notJson) = ChannelRequest.ParseObject(body!, Name);
        if (notJson is not null)
            return notJson;
        if (root.String("msgtype") != "text")
            return Acknowledged();
        var sender = root.String("senderStaffId") is { Length: > 0 } staffId ? staffId : root.String("senderId");
        var (msgId, text) = (root.String("msgId"), root.Object("text")?.String("content")?.Trim());
        if (sender is null || msgId is null || text is null)
            return Http.Problems.BadRequest("a DingTalk text message needs msgId, senderStaffId or senderId, and text.content");
        if (text.Length == 0)
            return Acknowledged();
        if (Http.InputRules.MessageText(text, "text.content", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, sender, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, msgId, text, null);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran)
        {
            var replies = ran.Replies.Select(reply => ChannelText.Of(reply, logger, Name, senderId)).Where(t => t.Length > 0).ToList();
            if (replies.Count > 0 && SessionWebhook(root, settings, out var expires) is { } webhook)
                delivery.Enqueue(Name, senderId, [.. replies.Select(t => Call(webhook, expires, t))]);
            else if (replies.Count > 0)
                logger.LogError("dingtalk: the replies to {Sender} are not sent: message {MsgId}'s sessionWebhook is missing or not on dingtalk api_url {Api}; the conversation keeps them",
                    senderId, msgId, settings.ApiUrl.GetLeftPart(UriPartial.Authority));
        }
        return Acknowledged();
    }

    private static ContentHttpResult Acknowledged() => TypedResults.Text("{}", "application/json");

    /// <summary>Null when `sign` is the app secret's signature of a `timestamp` within an hour of now; why not otherwise.</summary>
    internal static string? Verify(HttpRequest request, string appSecret, DateTimeOffset now)
    {
        var (timestamp, sign) = (request.Headers["timestamp"].ToString(), request.Headers["sign"].ToString());
        if (timestamp.Length == 0 || sign.Length == 0)
            return "the request lacks DingTalk's timestamp and sign headers";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || Math.Abs(now.ToUnixTimeMilliseconds() - ms) > Window.TotalMilliseconds)
            return "the timestamp header is not within an hour of the server's clock: a replayed request, or a clock to set right";
        var expected = Encoding.ASCII.GetBytes(Sign(appSecret, timestamp));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sign)) ? null
            : "the sign header does not match the timestamp signed with dingtalk app_secret";
    }

    internal static string Sign(string appSecret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(timestamp + "\n" + appSecret)));

    /// <summary>The message's sessionWebhook when it is on api_url's scheme, host and port; its expiry (Unix ms) if given.</summary>
    private static Uri? SessionWebhook(JsonElement root, DingTalkSettings settings, out DateTimeOffset? expires)
    {
        expires = root.Id("sessionWebhookExpiredTime") is { } ms && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
        return Uri.TryCreate(root.String("sessionWebhook"), UriKind.Absolute, out var url)
            && Uri.Compare(url, settings.ApiUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? url : null;
    }

    private static PlatformCall Call(Uri webhook, DateTimeOffset? expires, string text) => new(() =>
    {
        if (expires is { } until && until <= DateTimeOffset.UtcNow)
            throw new PlatformCallException($"the sessionWebhook expired at {until:u}", retry: false);
        var payload = new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text } };
        return Task.FromResult(new HttpRequestMessage(HttpMethod.Post, webhook) { Content = JsonContent.Create(payload) });
    }, ReadFailure);

    /// <summary>{"errcode":0,"errmsg":"ok"} on success; errcode -1 (busy) is worth a retry.</summary>
    private static async Task<PlatformFailure?> ReadFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var code = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errcode", out var c) && c.TryGetInt64(out var n) ? n : 0;
            if (code == 0 && response.IsSuccessStatusCode)
                return null;
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: errcode {code}: {answer.String("errmsg")}", code == -1);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not DingTalk's JSON", false);
        }
    }
}
