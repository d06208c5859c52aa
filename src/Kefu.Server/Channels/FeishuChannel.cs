using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// A Feishu / Lark bot's events by HTTP callback, schema 2.0
/// (https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case,
/// https://open.feishu.cn/document/server-docs/im-v1/message/events/receive):
///   encryption    with an Encrypt Key every body is {"encrypt": base64(iv[16] + AES-256-CBC(PKCS#7) of the JSON)}, the AES
///                 key SHA-256(encrypt_key); events (not the URL check) carry X-Lark-Signature = hex SHA-256 of
///                 X-Lark-Request-Timestamp + X-Lark-Request-Nonce + encrypt_key + the raw body;
///   url_verification {"challenge","token","type"} is answered {"challenge"} when token is the Verification Token;
///   events        {"schema":"2.0","header":{"event_id","event_type","token"},"event":{...}}, header.token the Verification Token;
///   im.message.receive_v1  {"sender":{"sender_id":{"open_id"},"sender_type":"user"},"message":{"message_id","chat_id",
///                 "chat_type","message_type":"text","content":"{\"text\":\"@_user_1 hi\"}","mentions":[{"key":"@_user_1"}]}}
///                 runs a turn for "feishu:{open_id}", the mention placeholders taken out of the text.
/// Feishu delivers an event again when it gets no 200 within 3 s (the same event_id and message_id): message_id
/// de-duplicates. Other events and message types are answered 200 without a turn.
/// Replies: one text message per bot message to the message's chat, through <see cref="FeishuApi"/>.
/// </summary>
internal static class FeishuChannel
{
    public const string Name = "feishu";

    public static void Map(IEndpointRouteBuilder routes, FeishuSettings settings)
    {
        var group = routes.MapGroup("/webhooks/feishu").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa-style channel health check");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, FeishuApi api, KefuServerOptions options,
                ILogger<FeishuSettings> logger) => Webhook(context, settings, turns, delivery, api, options, logger))
            .Produces<string>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Feishu / Lark events (schema 2.0, plain or encrypted): the URL check and im.message.receive_v1; replies through the message API");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, FeishuSettings settings,
        ChannelTurns turns, ChannelDelivery delivery, FeishuApi api, KefuServerOptions options, ILogger logger)
    {
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var signature = context.Request.Headers["X-Lark-Signature"].ToString();
        if (settings.EncryptKey is { } key && signature.Length > 0 && !SameSecret(Sign(context.Request, key, body!), signature.ToLowerInvariant()))
            return ChannelRequest.NotVerified("X-Lark-Signature does not match the body signed with feishu encrypt_key");
        var (root, notJson) = ChannelRequest.ParseObject(body!, Name);
        if (notJson is not null)
            return notJson;
        if (settings.EncryptKey is { } encryptKey)
        {
            if (root.String("encrypt") is not { } encrypted)
                return ChannelRequest.NotVerified("feishu encrypt_key is set, so every request must be {\"encrypt\": ...}: give the app the same Encrypt Key (事件与回调 → 加密策略), or leave encrypt_key out");
            if (Decrypt(encrypted, encryptKey) is not { } plain)
                return ChannelRequest.NotVerified("the request's encrypt does not decrypt with feishu encrypt_key");
            (root, notJson) = ChannelRequest.ParseObject(plain, Name);
            if (notJson is not null)
                return notJson;
        }

        if (root.String("type") == "url_verification")
            return SameSecret(root.String("token"), settings.VerificationToken)
                ? TypedResults.Text(JsonSerializer.Serialize(new { challenge = root.String("challenge") ?? "" }), "application/json")
                : ChannelRequest.NotVerified("the URL check's token is not feishu verification_token");
        if (settings.EncryptKey is not null && signature.Length == 0)
            return ChannelRequest.NotVerified("the event lacks X-Lark-Signature, which Feishu sends with every event once an Encrypt Key is set");
        var header = root.Object("header");
        if (!SameSecret(header?.String("token") ?? root.String("token"), settings.VerificationToken))
            return ChannelRequest.NotVerified("the event's token is not feishu verification_token");

        if (root.String("schema") != "2.0" || header?.String("event_type") != "im.message.receive_v1")
            return Acknowledged();
        var ev = root.Object("event");
        var message = ev?.Object("message");
        if (message?.String("message_type") != "text" || ev?.Object("sender")?.String("sender_type") is not (null or "user"))
            return Acknowledged();
        var (openId, messageId, chatId, content) = (ev?.Object("sender")?.Object("sender_id")?.String("open_id"),
            message.Value.String("message_id"), message.Value.String("chat_id"), message.Value.String("content"));
        if (openId is null || messageId is null || chatId is null || content is null)
            return Http.Problems.BadRequest("an im.message.receive_v1 event needs event.sender.sender_id.open_id and event.message's message_id, chat_id and content");
        if (TextOf(content, message.Value) is not { } text)
            return Http.Problems.BadRequest("a text message's content must be a JSON string {\"text\": ...}");
        if (text.Length == 0)
            return Acknowledged();   // only mentions
        if (Http.InputRules.MessageText(text, "text", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, openId, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, messageId, text, null);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran)
            delivery.Enqueue(Name, senderId, [.. ran.Replies.Select(reply => ChannelText.Of(reply, logger, Name, senderId)).Where(t => t.Length > 0).Select(t => api.SendText(chatId, t))]);
        return Acknowledged();
    }

    private static ContentHttpResult Acknowledged() => TypedResults.Text("{}", "application/json");

    /// <summary>The text of content {"text": "..."} with the mentions' placeholders (@_user_1, @_all) taken out; null when content is not that.</summary>
    private static string? TextOf(string content, JsonElement message)
    {
        string? text;
        try
        {
            using var document = JsonDocument.Parse(content);
            text = document.RootElement.String("text");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)   // not JSON, or "\ud800" alone: no text
        {
            return null;
        }
        if (text is null)
            return null;
        if (message.TryGetProperty("mentions", out var mentions) && mentions.ValueKind == JsonValueKind.Array)
            foreach (var mention in mentions.EnumerateArray())
                if (mention.String("key") is { Length: > 0 } placeholder)
                    text = text.Replace(placeholder, "", StringComparison.Ordinal);
        return text.Replace("@_all", "", StringComparison.Ordinal).Trim();
    }

    /// <summary>Hex SHA-256 of timestamp + nonce + encrypt_key (UTF-8) followed by the raw body.</summary>
    internal static string Sign(HttpRequest request, string encryptKey, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(request.Headers["X-Lark-Request-Timestamp"].ToString() + request.Headers["X-Lark-Request-Nonce"] + encryptKey);
        return Convert.ToHexStringLower(SHA256.HashData([.. prefix, .. body]));
    }

    /// <summary>The plaintext of base64(iv + AES-256-CBC ciphertext) under SHA-256(encrypt_key); null when it does not decrypt.</summary>
    internal static byte[]? Decrypt(string encrypted, string encryptKey)
    {
        byte[] data;
        try
        {
            data = Convert.FromBase64String(encrypted);
        }
        catch (FormatException)
        {
            return null;
        }
        if (data.Length < 32 || data.Length % 16 != 0)
            return null;
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData(Encoding.UTF8.GetBytes(encryptKey));
        try
        {
            return aes.DecryptCbc(data.AsSpan(16), data.AsSpan(0, 16), PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool SameSecret(string? sent, string secret) =>
        sent is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(secret));
}
