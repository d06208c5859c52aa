using System.Text;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// A WeCom (企业微信) self-built application's callback (https://developer.work.weixin.qq.com/document/path/90238,
/// https://developer.work.weixin.qq.com/document/path/90239), always encrypted (<see cref="WeChatCrypto"/>, receive id = corp_id):
///   GET  ?msg_signature&amp;timestamp&amp;nonce&amp;echostr  URL verification: msg_signature signs echostr, which decrypts to the
///        text to answer;
///   POST ?msg_signature&amp;timestamp&amp;nonce  &lt;xml&gt;&lt;ToUserName/&gt;&lt;AgentID/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;, Encrypt holding
///        &lt;xml&gt;&lt;ToUserName/&gt;&lt;FromUserName/&gt;&lt;CreateTime/&gt;&lt;MsgType&gt;text&lt;/MsgType&gt;&lt;Content/&gt;&lt;MsgId/&gt;&lt;AgentID/&gt;&lt;/xml&gt;.
/// A text message runs a turn for "wecom:{FromUserName}" (the member's UserID); MsgId de-duplicates WeCom's retries (it
/// tries three times when it has no answer within 5 s). The callback is answered with an empty 200, and the replies go
/// through the message API (<see cref="WeComApi"/>). Other message types and events are acknowledged without a turn.
/// </summary>
internal static class WeComChannel
{
    public const string Name = "wecom";

    public static void AddServices(IServiceCollection services, WeComSettings settings) =>
        services.AddSingleton(provider => new WeComApi(settings, provider.GetRequiredService<ChannelDelivery>()));

    public static void Map(IEndpointRouteBuilder routes, WeComSettings settings)
    {
        var crypto = new WeChatCrypto(settings.Token, settings.EncodingAesKey, settings.CorpId);
        var group = routes.MapGroup("/webhooks/wecom").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa-style channel health check");
        group.MapGet("/webhook", (HttpRequest request) => VerifyUrl(request, crypto))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("WeCom's URL verification: echostr decrypted when msg_signature signs it");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, WeComApi api,
                KefuServerOptions options, ILogger<WeComSettings> logger) => Webhook(context, settings, crypto, turns, delivery, api, options, logger))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("WeCom application messages in (encrypted XML); replies through the message API");
    }

    private static Results<ContentHttpResult, ProblemHttpResult> VerifyUrl(HttpRequest request, WeChatCrypto crypto)
    {
        var query = request.Query;
        var (signature, timestamp, nonce, echo) = (query["msg_signature"].ToString(), query["timestamp"].ToString(), query["nonce"].ToString(), query["echostr"].ToString());
        if (signature.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || echo.Length == 0)
            return ChannelRequest.NotVerified("the request lacks WeCom's msg_signature, timestamp, nonce and echostr query parameters");
        if (!crypto.SignatureMatches(signature, timestamp, nonce, echo))
            return ChannelRequest.NotVerified("the msg_signature does not match the wecom token of credentials.yml and echostr");
        try
        {
            return TypedResults.Text(crypto.Decrypt(echo), "text/plain");
        }
        catch (WeChatCryptoException e)
        {
            return e.WrongReceiver ? ChannelRequest.NotVerified($"the decrypted echostr is not for this corp: {e.Message}")
                : Http.Problems.BadRequest($"echostr could not be decrypted with the wecom encoding_aes_key of credentials.yml: {e.Message}");
        }
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, WeComSettings settings, WeChatCrypto crypto,
        ChannelTurns turns, ChannelDelivery delivery, WeComApi api, KefuServerOptions options, ILogger logger)
    {
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var (envelope, badXml) = WeChatChannel.Parse(body!, "WeCom");
        if (badXml is not null)
            return Http.Problems.BadRequest(badXml);
        var (message, unopened) = WeChatChannel.Open(crypto, context.Request.Query, envelope!, "WeCom");
        if (unopened is not null)
            return unopened;
        string Field(string name) => message!.Element(name)?.Value ?? "";
        if (Field("MsgType") != "text")
            return Acknowledged();
        var (userId, text, msgId) = (Field("FromUserName"), Field("Content"), Field("MsgId"));
        if (userId.Length == 0 || msgId.Length == 0)
            return Http.Problems.BadRequest("a WeCom text message needs FromUserName and MsgId");
        if (Http.InputRules.MessageText(text, "Content", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, userId, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, msgId, text, null);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran)
            delivery.Enqueue(Name, senderId, [.. ran.Replies.SelectMany(reply => Texts(reply, userId, logger)).Select(part => api.SendText(userId, part))]);
        return Acknowledged();
    }

    /// <summary>WeCom's "received, no passive reply": an empty 200.</summary>
    private static ContentHttpResult Acknowledged() => TypedResults.Text("", "text/plain");

    /// <summary>A reply as text messages: a button is a line with its title (which the NLU reads when sent back), an image its URL; in parts of 2048 bytes.</summary>
    private static IEnumerable<string> Texts(BotMessage reply, string userId, ILogger logger) =>
        ChannelText.Of(reply, logger, Name, $"{Name}:{userId}") is { Length: > 0 } text ? Parts(text) : [];

    private static IEnumerable<string> Parts(string text)
    {
        for (var start = 0; start < text.Length;)
        {
            var end = start;
            var bytes = 0;
            while (end < text.Length)
            {
                var width = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? 2 : 1;   // a surrogate pair stays in one part
                var size = Encoding.UTF8.GetByteCount(text.AsSpan(end, width));
                if (bytes + size > WeComApi.MaxTextBytes)
                    break;
                bytes += size;
                end += width;
            }
            yield return text[start..end];
            start = end;
        }
    }
}
