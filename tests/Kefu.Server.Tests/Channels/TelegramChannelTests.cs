using System.Net;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Channels;

/// <summary>Updates as Telegram posts them (https://core.telegram.org/bots/api#update); the stand-in is the Bot API.</summary>
public sealed class TelegramChannelTests
{
    private const string Webhook = "/webhooks/telegram/webhook";
    private const string Secret = "kefu-test_secret";

    private static ChannelSettings Telegram(PlatformStandIn standIn, RateLimit? rate = null, string? secret = Secret, Uri? webhookUrl = null) =>
        ChannelSettings.None with { Telegram = new TelegramSettings("123:ABC", "shop_bot", webhookUrl, secret, standIn.BaseUrl, rate ?? RateLimit.Default) };

    private static string Message(long updateId, long chatId, string text) =>
        $$"""{"update_id":{{updateId}},"message":{"message_id":{{updateId + 1000}},"from":{"id":{{chatId}},"is_bot":false,"first_name":"小明"},""" +
        $$""" "chat":{"id":{{chatId}},"type":"private"},"date":1796000000,"text":{{JsonSerializer.Serialize(text)}} """ + "}}";

    private static HttpRequestMessage Post(string body, string? secret = Secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = Http.Json(body) };
        if (secret is not null)
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        return request;
    }

    [Fact]
    public async Task An_update_runs_a_turn_and_the_reply_goes_out_through_sendMessage()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"result":{"message_id":1}}""");
        await using var host = await ChannelHost.StartAsync(Telegram(standIn));

        var response = await host.Client.SendAsync(Post(Message(1, 9007199254740993, "你好")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["你好"], await host.UserTextsAsync("telegram:9007199254740993"));
        await host.DeliveredAsync();
        var call = Assert.Single(standIn.Calls);
        Assert.Equal(("POST", "/bot123:ABC/sendMessage"), (call.Method, call.Path));
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal("9007199254740993", sent.GetProperty("chat_id").GetString());
        Assert.Equal("echo: 你好", sent.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Buttons_are_an_inline_keyboard_and_a_pressed_button_sends_its_payload()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"result":{}}""");
        await using var host = await ChannelHost.StartAsync(Telegram(standIn));

        await host.Client.SendAsync(Post(Message(10, 42, "/buttons")));
        await host.DeliveredAsync();
        var keyboard = JsonDocument.Parse(Assert.Single(standIn.Calls).Body).RootElement.GetProperty("reply_markup").GetProperty("inline_keyboard");
        Assert.Equal([("查订单", "/order_status"), ("退货", "/return")],
            keyboard.EnumerateArray().Select(row => (row[0].GetProperty("text").GetString(), row[0].GetProperty("callback_data").GetString())));

        var press = await host.Client.SendAsync(Post("""
            {"update_id":11,"callback_query":{"id":"77","from":{"id":42,"is_bot":false,"first_name":"小明"},"data":"/order_status",
             "message":{"message_id":5,"chat":{"id":42,"type":"private"},"date":1796000000,"text":"请选择："}}}
            """));
        Assert.Equal(HttpStatusCode.OK, press.StatusCode);
        Assert.Equal(["/buttons", "/order_status"], await host.UserTextsAsync("telegram:42"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("forged")]
    [InlineData("kefu-test_secreT")]
    public async Task An_update_without_the_secret_token_is_401_and_runs_no_turn(string? secret)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Telegram(standIn));

        var response = await host.Client.SendAsync(Post(Message(2, 43, "你好"), secret));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Telegram-Bot-Api-Secret-Token", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("telegram:43"));
    }

    [Fact]
    public async Task A_redelivered_update_runs_one_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"result":{}}""");
        await using var host = await ChannelHost.StartAsync(Telegram(standIn));

        var first = await host.Client.SendAsync(Post(Message(3, 44, "我的订单")));
        var again = await host.Client.SendAsync(Post(Message(3, 44, "我的订单")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal(["我的订单"], await host.UserTextsAsync("telegram:44"));
        await host.DeliveredAsync();
        Assert.Single(standIn.Calls);
    }

    [Fact]
    public async Task An_oversized_update_is_413_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Telegram(standIn), maxBodyBytes: 1024);

        var response = await host.Client.SendAsync(Post(Message(4, 45, new string('长', 1000))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("telegram:45"));
    }

    [Fact]
    public async Task A_chat_over_the_rate_limit_gets_429_and_its_retried_update_runs_later()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"result":{}}""");
        await using var host = await ChannelHost.StartAsync(Telegram(standIn, new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Post(Message(5, 46, "一")));
        var second = await host.Client.SendAsync(Post(Message(6, 46, "二")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("telegram:46"));
    }

    [Fact]
    public async Task When_the_bot_api_is_down_the_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = _ => (500, """{"ok":false,"error_code":500,"description":"Internal Server Error"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Telegram(standIn), logs);

        var response = await host.Client.SendAsync(Post(Message(7, 47, "在吗")));
        await host.DeliveredAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, standIn.Calls.Count);
        Assert.Contains("telegram: a reply to telegram:47 was not delivered after 3 attempt(s): HTTP 500: Internal Server Error",
            Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("telegram:47")).Select(e => e.Type));
    }

    [Fact]
    public async Task A_refused_reply_is_not_retried_and_says_what_telegram_said()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = _ => (400, """{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Telegram(standIn), logs);

        await host.Client.SendAsync(Post(Message(8, 48, "在吗")));
        await host.DeliveredAsync();

        Assert.Single(standIn.Calls);
        Assert.Contains("Bad Request: chat not found", Assert.Single(logs.Errors()).Message);
    }

    [Fact]
    public async Task Updates_without_text_are_acknowledged_and_run_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Telegram(standIn));

        var sticker = await host.Client.SendAsync(Post("""{"update_id":9,"message":{"message_id":1,"chat":{"id":49,"type":"private"},"date":1,"sticker":{"file_id":"x"}}}"""));
        var noId = await host.Client.SendAsync(Post("""{"message":{"chat":{"id":49},"text":"hi"}}"""));

        Assert.Equal(HttpStatusCode.OK, sticker.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noId.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("telegram:49"));
    }

    [Fact]
    public async Task The_webhook_url_and_secret_are_handed_to_setWebhook_at_start()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"result":true,"description":"Webhook was set"}""");
        await using var host = await ChannelHost.StartAsync(Telegram(standIn, webhookUrl: new Uri("https://kefu.example.com/webhooks/telegram/webhook")));

        await host.Services.GetRequiredService<TelegramWebhookRegistration>().Registered;

        var call = Assert.Single(standIn.Calls);
        Assert.Equal("/bot123:ABC/setWebhook", call.Path);
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(("https://kefu.example.com/webhooks/telegram/webhook", Secret), (sent.GetProperty("url").GetString(), sent.GetProperty("secret_token").GetString()));
    }
}
