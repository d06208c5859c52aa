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
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// Telegram's Bot API webhook (https://core.telegram.org/bots/api#setwebhook, #update): Telegram POSTs an Update
/// {"update_id", "message"|"edited_message": {"chat":{"id"}, "text"}, "callback_query": {"data", "message":{"chat":{"id"}}}};
/// any answer but 2xx makes it deliver the update again later. The conversation is "telegram:{chat id}"; update_id is the
/// de-duplication key. Updates without text (photos, stickers, joins) are acknowledged and run no turn, as in Rasa.
/// Verification: with `secret_token`, every update must carry it in X-Telegram-Bot-Api-Secret-Token (Telegram sends the
/// secret given to setWebhook); Rasa's channel has no such check.
/// Replies: sendMessage {"chat_id","text","reply_markup":{"inline_keyboard"}} (https://core.telegram.org/bots/api#sendmessage)
/// and sendPhoto {"chat_id","photo"} for images.
/// </summary>
internal static class TelegramChannel
{
    public const string Name = "telegram";
    private const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    /// <summary>sendMessage's text limit, in UTF-16 units (https://core.telegram.org/bots/api#sendmessage); longer texts go in parts.</summary>
    private const int MaxText = 4096;

    /// <summary>InlineKeyboardButton.callback_data's limit, in bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton).</summary>
    private const int MaxCallbackData = 64;

    public static void Map(IEndpointRouteBuilder routes, TelegramSettings settings)
    {
        var group = routes.MapGroup("/webhooks/telegram").WithTags("Channels");
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok"))).WithSummary("Rasa's channel health check");
        group.MapPost("/webhook", (HttpContext context, ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options, ILogger<TelegramSettings> logger) =>
                Webhook(context, settings, turns, delivery, options, logger))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Telegram's webhook: an Update in, \"success\" out; replies through sendMessage");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Webhook(HttpContext context, TelegramSettings settings,
        ChannelTurns turns, ChannelDelivery delivery, KefuServerOptions options, ILogger logger)
    {
        if (settings.SecretToken is { } secret && !SameSecret(context.Request.Headers[SecretHeader].ToString(), secret))
            return ChannelRequest.NotVerified($"the request lacks the {SecretHeader} header that setWebhook's secret_token makes Telegram send");
        var (body, tooBig) = await ChannelRequest.ReadAsync(context.Request, context.RequestAborted);
        if (tooBig is not null)
            return tooBig;
        var (update, notJson) = ChannelRequest.ParseObject(body!, Name);
        if (notJson is not null)
            return notJson;
        var updateId = update.Id("update_id");
        if (updateId is null)
            return Http.Problems.BadRequest("a Telegram update needs a numeric update_id");

        var (chatId, text) = Extract(update);
        if (chatId is null || text is null)
            return TypedResults.Text("success");   // nothing to answer, as Rasa
        if (Http.InputRules.MessageText(text, "text", options.Limits) is { } badText)
            return Http.Problems.BadRequest(badText);
        if (ChannelTurns.SenderId(Name, chatId, options.Limits, out var badSender) is not { } senderId)
            return Http.Problems.BadRequest(badSender!);
        if (await ChannelRequest.RefuseTurnAsync(context, senderId) is { } refused)
            return refused;

        var outcome = await turns.RunAsync(Name, settings.RateLimit, senderId, updateId, text, null);
        if (outcome is TurnOutcome.RateLimited limited)
            return ChannelTurns.TooManyMessages(context, limited.RetryAfter);
        if (outcome is TurnOutcome.Ran ran)
            delivery.Enqueue(Name, senderId, [.. ran.Replies.SelectMany(reply => Calls(settings, chatId, reply, logger))]);
        return TypedResults.Text("success");
    }

    /// <summary>The chat and the text of a message, an edited message or a button press; nulls for anything else.</summary>
    private static (string? ChatId, string? Text) Extract(JsonElement update)
    {
        if (update.Object("callback_query") is { } press)
            return (press.Object("message")?.Object("chat")?.Id("id"), press.String("data"));
        var message = update.Object("message") ?? update.Object("edited_message");
        return (message?.Object("chat")?.Id("id"), message?.String("text"));
    }

    private static bool SameSecret(string sent, string secret) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(secret));

    /// <summary>The Bot API calls that show one reply: its text (in parts of 4096) with the buttons on the last, then its image.</summary>
    private static IEnumerable<PlatformCall> Calls(TelegramSettings settings, string chatId, BotMessage reply, ILogger logger)
    {
        var texts = reply.Text is { Length: > 0 } text ? Parts(text).ToList() : reply.Buttons is { Count: > 0 } ? [""] : [];
        for (var i = 0; i < texts.Count; i++)
        {
            var payload = new JsonObject { ["chat_id"] = chatId, ["text"] = texts[i] };
            if (i == texts.Count - 1 && reply.Buttons is { Count: > 0 } buttons)
                payload["reply_markup"] = new JsonObject { ["inline_keyboard"] = new JsonArray([.. buttons.Select(b => (JsonNode)new JsonArray(Button(b, logger)))]) };
            yield return Call(settings, "sendMessage", payload);
        }
        if (reply.Image is { Length: > 0 } image)
            yield return Call(settings, "sendPhoto", new JsonObject { ["chat_id"] = chatId, ["photo"] = image });
        if (reply.Custom is not null)
            logger.LogWarning("telegram: a custom payload to telegram:{Chat} is not sent (Kefu sends text, buttons and images to Telegram); the conversation keeps it", chatId);
    }

    /// <summary>One button per row; a payload over callback_data's 64 bytes is replaced by the title, which the NLU then reads.</summary>
    private static JsonObject Button(BotButton button, ILogger logger)
    {
        var data = button.Payload;
        if (Encoding.UTF8.GetByteCount(data) > MaxCallbackData)
        {
            logger.LogWarning("telegram: the payload of button '{Title}' is over Telegram's 64 bytes of callback_data; the button sends its title instead", button.Title);
            data = Truncate(button.Title, MaxCallbackData);
        }
        return new JsonObject { ["text"] = button.Title, ["callback_data"] = data };
    }

    private static PlatformCall Call(TelegramSettings settings, string method, JsonObject payload) =>
        new(() => new HttpRequestMessage(HttpMethod.Post, MethodUrl(settings, method)) { Content = JsonContent.Create(payload) }, ReadFailure);

    internal static Uri MethodUrl(TelegramSettings settings, string method) =>
        new(settings.ApiUrl, $"{settings.ApiUrl.AbsolutePath.TrimEnd('/')}/bot{settings.AccessToken}/{method}");

    /// <summary>The Bot API's answer {"ok":false,"description","parameters":{"retry_after"}}; null for "ok": true.</summary>
    private static async Task<PlatformFailure?> ReadFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
                return null;
            var retryAfter = answer.Object("parameters") is { } p && p.TryGetProperty("retry_after", out var r) && r.TryGetInt32(out var seconds)
                ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: {answer.String("description") ?? "the Bot API did not answer ok"}", false, retryAfter);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not the Bot API's JSON", false);
        }
    }

    private static IEnumerable<string> Parts(string text)
    {
        for (var start = 0; start < text.Length;)
        {
            var length = Math.Min(MaxText, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
                length--;   // a surrogate pair stays in one part
            yield return text.Substring(start, length);
            start += length;
        }
    }

    private static string Truncate(string text, int maxBytes)
    {
        var end = text.Length;
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, end)) > maxBytes)
            end--;
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
            end--;
        return text[..end];
    }
}

/// <summary>
/// Rasa's start-up call (TelegramOutput.set_webhook): with `webhook_url`, setWebhook {"url","secret_token"} tells Telegram
/// where to post updates (https://core.telegram.org/bots/api#setwebhook). Sent in the background with the delivery retries;
/// a failure is logged and the server runs on (a webhook set earlier still works).
/// </summary>
internal sealed class TelegramWebhookRegistration(KefuServerOptions options, ChannelDelivery delivery, ILogger<TelegramWebhookRegistration> logger) : IHostedService
{
    private Task _registering = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Channels.Telegram is { SecretToken: null })
            logger.LogWarning("telegram: credentials.yml has no secret_token, so updates are not verified: whoever knows the webhook's URL " +
                "can post them (as with Rasa's channel). Give secret_token (and webhook_url, so that Kefu hands it to setWebhook)");
        if (options.Channels.Telegram is { WebhookUrl: { } url } settings)
        {
            var payload = new JsonObject { ["url"] = url.ToString() };
            if (settings.SecretToken is { } secret)
                payload["secret_token"] = secret;
            var call = new PlatformCall(() => new HttpRequestMessage(HttpMethod.Post, TelegramChannel.MethodUrl(settings, "setWebhook")) { Content = JsonContent.Create(payload) });
            _registering = Task.Run(() => delivery.SendAsync("telegram", "setWebhook", call, $"setWebhook ({url})"), CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>Completes once setWebhook has been sent or given up on (tests).</summary>
    public Task Registered => _registering;

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await _registering.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
}
