using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// A WeChat Official Account (微信公众号) in plaintext, compatible or safe mode
/// (https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html,
/// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html,
/// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html):
///   GET  ?signature&amp;timestamp&amp;nonce&amp;echostr  the server check: echostr back when signature = hex SHA1 of the sorted
///        token, timestamp and nonce concatenated;
///   POST ?signature&amp;timestamp&amp;nonce&amp;openid  &lt;xml&gt;&lt;ToUserName/&gt;&lt;FromUserName/&gt;&lt;CreateTime/&gt;&lt;MsgType&gt;text&lt;/MsgType&gt;
///        &lt;Content/&gt;&lt;MsgId/&gt;&lt;/xml&gt;, signed the same way;
///   POST ...&amp;encrypt_type=aes&amp;msg_signature  in safe and compatible mode: &lt;xml&gt;&lt;ToUserName/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;, the message
///        above encrypted (<see cref="WeChatCrypto"/>, receive id = app_id) and msg_signature signing Encrypt; the passive
///        reply is encrypted the same way. Safe mode refuses plaintext messages: no signature covers their body.
/// WeChat waits 5 s for an answer and then delivers the message again (three tries in all). A turn answered within
/// <see cref="WeChatSettings.PassiveWindow"/> is the passive reply (one text message: the replies joined); a slower turn is
/// answered "success" (WeChat's "no reply, do not retry") and its replies go through the customer-service message API
/// when it ends. MsgId de-duplicates: a retry of a message that ran, or is running, runs no second turn. Other message
/// types (images, voice, events such as subscribe) are answered "success" without a turn.
/// The conversation is "wechat:{openid}".
/// </summary>
internal static class WeChatChannel
{
    public const string Name = "wechat";

    public static void Map(IEndpointRouteBuilder routes, WeChatSettings settings)
    {
        var crypto = settings.Encryption is { } encryption ? new WeChatCrypto(settings.Token, encryption.EncodingAesKey, settings.AppId) : null;
        var group = routes.MapGroup("/webhooks/wechat").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa-style channel health check");
        group.MapGet("/webhook", (HttpRequest request) => CheckServer(request, settings))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("WeChat's server check: echostr back when the signature is right");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, WeChatApi api, IChatService chat,
                KefuServerOptions options, ILogger<WeChatSettings> logger) => Webhook(context, settings, crypto, turns, delivery, api, chat, options, logger))
            .Produces<string>(StatusCodes.Status200OK, "application/xml")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("WeChat messages in (XML, plaintext or AES-encrypted); the passive reply within 5 s, later ones through the customer-service API");
    }

    private static Results<ContentHttpResult, ProblemHttpResult> CheckServer(HttpRequest request, WeChatSettings settings) =>
        Verify(request, settings.Token) is { } forged ? ChannelRequest.NotVerified(forged)
            : TypedResults.Text(request.Query["echostr"].ToString(), "text/plain");

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, WeChatSettings settings, WeChatCrypto? crypto,
        ChannelTurns turns, ChannelDelivery delivery, WeChatApi api, IChatService chat, KefuServerOptions options, ILogger logger)
    {
        if (Verify(context.Request, settings.Token) is { } forged)
            return ChannelRequest.NotVerified(forged);
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var (message, badXml) = Parse(body!);
        if (badXml is not null)
            return Http.Problems.BadRequest(badXml);
        var encrypted = crypto is not null && (context.Request.Query["encrypt_type"] == "aes" || message!.Element("Encrypt") is not null);
        if (encrypted)
        {
            (message, var unopened) = Open(crypto!, context.Request.Query, message!, "WeChat");
            if (unopened is not null)
                return unopened;
        }
        else if (settings.Encryption is { OnlyEncrypted: true })
            return ChannelRequest.NotVerified("the wechat account is in safe mode (encryption_mode: safe): a message must be encrypted, as only then is its body signed");
        string Field(string name) => message!.Element(name)?.Value ?? "";
        if (Field("MsgType") != "text")
            return Success();
        var (openId, account, text, msgId) = (Field("FromUserName"), Field("ToUserName"), Field("Content"), Field("MsgId"));
        if (openId.Length == 0 || msgId.Length == 0)
            return Http.Problems.BadRequest("a WeChat text message needs FromUserName and MsgId");
        if (Http.InputRules.MessageText(text, "Content", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, openId, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var turn = turns.RunAsync(Name, settings.RateLimit, senderId, msgId, text, null);
        if (await Task.WhenAny(turn, Task.Delay(settings.PassiveWindow)) == turn)
        {
            var outcome = await turn;   // a failed turn throws: a 500, and WeChat delivers the message again
            if (outcome is TurnOutcome.RateLimited limited)
                return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
            return outcome is TurnOutcome.Ran { Replies.Count: > 0 } ran
                ? TypedResults.Text(Sealed(crypto, encrypted, PassiveReply(openId, account, Join(ran.Replies, logger, openId))), "application/xml", Encoding.UTF8)
                : Success();
        }
        // Acknowledged now; the replies follow through the API. A turn that fails after this keeps the user's message.
        _ = turn.ContinueWith(async late =>
        {
            if (late.IsCompletedSuccessfully)
            {
                if (late.Result is TurnOutcome.Ran { Replies.Count: > 0 } ran)
                    delivery.Enqueue(Name, senderId, [api.SendText(openId, Join(ran.Replies, logger, openId))]);
                return;
            }
            if (late.Exception?.GetBaseException() is ChannelRetryException)
                return;   // a copy of a message whose first delivery failed: that delivery keeps the text
            logger.LogError(late.Exception?.GetBaseException(), "wechat: the turn of message {MsgId} from {Sender} failed after WeChat was answered; its text is stored without a reply", msgId, senderId);
            try
            {
                await chat.RecordUserMessageAsync(senderId, text, null, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogError(e, "wechat: message {MsgId} from {Sender} could not be stored either: {Text}", msgId, senderId, text);
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        return Success();
    }

    private static ContentHttpResult Success() => TypedResults.Text("success", "text/plain");

    /// <summary>Null when the query's signature is the SHA1 of the sorted token, timestamp and nonce; why not otherwise.</summary>
    internal static string? Verify(HttpRequest request, string token)
    {
        var (signature, timestamp, nonce) = (request.Query["signature"].ToString(), request.Query["timestamp"].ToString(), request.Query["nonce"].ToString());
        if (signature.Length == 0 || timestamp.Length == 0 || nonce.Length == 0)
            return "the request lacks WeChat's signature, timestamp and nonce query parameters";
        var expected = Encoding.ASCII.GetBytes(Sign(token, timestamp, nonce));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant())) ? null
            : "the signature does not match the wechat token of credentials.yml";
    }

    internal static string Sign(string token, string timestamp, string nonce)
    {
        string[] parts = [token, timestamp, nonce];
        Array.Sort(parts, StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
    }

    private static string Sealed(WeChatCrypto? crypto, bool encrypted, string reply) => encrypted ? crypto!.EncryptedReply(reply) : reply;

    /// <summary>
    /// The message inside an encrypted request's &lt;Encrypt&gt;: the query's msg_signature must sign it with the token (401),
    /// it must decrypt (400) for this receive id (401), and be an &lt;xml&gt; message (400).
    /// </summary>
    internal static (XElement? Message, ProblemHttpResult? Problem) Open(WeChatCrypto crypto, IQueryCollection query, XElement envelope, string platform)
    {
        if (envelope.Element("Encrypt")?.Value is not { Length: > 0 } encrypt)
            return (null, Http.Problems.BadRequest($"an encrypted {platform} message needs its <Encrypt> element"));
        var (signature, timestamp, nonce) = (query["msg_signature"].ToString(), query["timestamp"].ToString(), query["nonce"].ToString());
        if (signature.Length == 0 || timestamp.Length == 0 || nonce.Length == 0)
            return (null, ChannelRequest.NotVerified($"the request lacks {platform}'s msg_signature, timestamp and nonce query parameters"));
        if (!crypto.SignatureMatches(signature, timestamp, nonce, encrypt))
            return (null, ChannelRequest.NotVerified("the msg_signature does not match the token of credentials.yml and the message's Encrypt"));
        string inner;
        try
        {
            inner = crypto.Decrypt(encrypt);
        }
        catch (WeChatCryptoException e)
        {
            return (null, e.WrongReceiver ? ChannelRequest.NotVerified($"the decrypted {platform} message is not for this receiver: {e.Message}")
                : Http.Problems.BadRequest($"the {platform} message could not be decrypted with the encoding_aes_key of credentials.yml: {e.Message}"));
        }
        var (message, badXml) = Parse(Encoding.UTF8.GetBytes(inner), platform);
        return badXml is null ? (message, null) : (null, Http.Problems.BadRequest("decrypted, " + badXml));
    }

    /// <summary>The &lt;xml&gt; element, read without DTDs or external entities; or why the body is not one.</summary>
    internal static (XElement? Message, string? Problem) Parse(byte[] body, string platform = "WeChat")
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = body.Length + 1 };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), settings);
            var root = XElement.Load(reader);
            return root.Name.LocalName == "xml" ? (root, null) : (null, $"a {platform} message is an <xml> element, not <{root.Name.LocalName}>");
        }
        catch (XmlException e)
        {
            return (null, $"a {platform} message is not valid XML: {e.Message}");
        }
    }

    /// <summary>The replies as one text: WeChat's text messages carry no buttons, so a button is a line with its title (which the NLU reads when the user sends it back).</summary>
    private static string Join(IReadOnlyList<BotMessage> replies, ILogger logger, string openId) =>
        string.Join("\n\n", replies.Select(reply => ChannelText.Of(reply, logger, Name, $"{Name}:{openId}")).Where(text => text.Length > 0));

    /// <summary>The passive text reply: &lt;xml&gt;&lt;ToUserName/&gt;&lt;FromUserName/&gt;&lt;CreateTime/&gt;&lt;MsgType&gt;text&lt;/MsgType&gt;&lt;Content/&gt;&lt;/xml&gt;.</summary>
    private static string PassiveReply(string openId, string account, string content)
    {
        static string Data(string value) => "<![CDATA[" + value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal) + "]]>";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"<xml><ToUserName>{Data(openId)}</ToUserName><FromUserName>{Data(account)}</FromUserName><CreateTime>{now}</CreateTime>" +
               $"<MsgType>{Data("text")}</MsgType><Content>{Data(content)}</Content></xml>";
    }
}
