using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// Requests signed as Slack signs them (https://api.slack.com/authentication/verifying-requests-from-slack), computed
/// here independently of the server's code; the stand-in is the Web API's chat.postMessage.
/// </summary>
public sealed class SlackChannelTests
{
    private const string Webhook = "/webhooks/slack/webhook";
    private const string SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";

    private static ChannelSettings Slack(PlatformStandIn standIn, RateLimit? rate = null) =>
        ChannelSettings.None with { Slack = new SlackSettings("xoxb-test", SigningSecret, "C-DEFAULT", standIn.BaseUrl, rate ?? RateLimit.Default) };

    private static string Event(string eventId, string user, string text, string extra = "") =>
        "{\"token\":\"x\",\"team_id\":\"T1\",\"api_app_id\":\"A1\",\"type\":\"event_callback\",\"event_id\":" + JsonSerializer.Serialize(eventId) +
        ",\"event_time\":1796000000,\"event\":{\"type\":\"message\",\"channel\":\"D024BE91L\",\"user\":" + JsonSerializer.Serialize(user) +
        ",\"text\":" + JsonSerializer.Serialize(text) + ",\"ts\":\"1796000000.000100\"" + extra + "}}";

    private static HttpRequestMessage Signed(string body, string contentType = "application/json", string? secret = SigningSecret,
        DateTimeOffset? at = null, string? retryNum = null)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = content };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        if (secret is not null)
        {
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            var signature = Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}"))).ToLowerInvariant();
            request.Headers.Add("X-Slack-Signature", "v0=" + signature);
        }
        if (retryNum is not null)
        {
            request.Headers.Add("X-Slack-Retry-Num", retryNum);
            request.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        }
        return request;
    }

    [Fact]
    public async Task The_url_verification_challenge_is_answered()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Slack(standIn));

        var response = await host.Client.SendAsync(Signed("""{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_message_event_runs_a_turn_and_the_reply_goes_out_through_chat_postMessage()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true,"channel":"D024BE91L","ts":"1.2"}""");
        await using var host = await ChannelHost.StartAsync(Slack(standIn));

        var response = await host.Client.SendAsync(Signed(Event("Ev1", "U2147483697", "你好")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["你好"], await host.UserTextsAsync("slack:U2147483697"));
        await host.DeliveredAsync();
        var call = Assert.Single(standIn.Calls);
        Assert.Equal(("POST", "/chat.postMessage", "Bearer xoxb-test"), (call.Method, call.Path, call.Headers["Authorization"]));
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(("D024BE91L", "echo: 你好"), (sent.GetProperty("channel").GetString(), sent.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Buttons_are_blocks_and_a_pressed_button_sends_its_value()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true}""");
        await using var host = await ChannelHost.StartAsync(Slack(standIn));

        await host.Client.SendAsync(Signed(Event("Ev2", "U1", "/buttons")));
        await host.DeliveredAsync();
        var blocks = JsonDocument.Parse(Assert.Single(standIn.Calls).Body).RootElement.GetProperty("blocks");
        var elements = blocks.EnumerateArray().Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements");
        Assert.Equal(["/order_status", "/return"], elements.EnumerateArray().Select(e => e.GetProperty("value").GetString()));

        var payload = """{"type":"block_actions","trigger_id":"13345224609.738474920.8088930838d88f008e0","user":{"id":"U1"},"channel":{"id":"D024BE91L"},"actions":[{"type":"button","action_id":"a","value":"/order_status"}]}""";
        var press = await host.Client.SendAsync(Signed("payload=" + Uri.EscapeDataString(payload), "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, press.StatusCode);
        Assert.Equal(["/buttons", "/order_status"], await host.UserTextsAsync("slack:U1"));
    }

    [Fact]
    public async Task A_forged_stale_or_unsigned_request_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Slack(standIn));
        var body = Event("Ev3", "U3", "pay 100");

        var forged = await host.Client.SendAsync(Signed(body, secret: "not-the-secret"));
        var unsigned = await host.Client.SendAsync(Signed(body, secret: null));
        var stale = await host.Client.SendAsync(Signed(body, at: DateTimeOffset.UtcNow.AddMinutes(-6)));
        var tampered = Signed(body);
        tampered.Content = new StringContent(body.Replace("pay 100", "pay 900"), Encoding.UTF8, "application/json");
        var changed = await host.Client.SendAsync(tampered);

        Assert.All([forged, unsigned, stale, changed], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Contains("5 minutes", (await stale.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("does not match", (await changed.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("slack:U3"));
    }

    [Fact]
    public async Task Slack_retries_of_an_event_run_one_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true}""");
        await using var host = await ChannelHost.StartAsync(Slack(standIn));
        var body = Event("Ev4", "U4", "我的订单");

        var first = await host.Client.SendAsync(Signed(body));
        var retry1 = await host.Client.SendAsync(Signed(body, retryNum: "1"));
        var retry2 = await host.Client.SendAsync(Signed(body, retryNum: "2"));

        Assert.All([first, retry1, retry2], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(["我的订单"], await host.UserTextsAsync("slack:U4"));
        await host.DeliveredAsync();
        Assert.Single(standIn.Calls);
    }

    [Fact]
    public async Task Bot_messages_and_edits_are_acknowledged_without_a_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Slack(standIn));

        var bot = await host.Client.SendAsync(Signed(Event("Ev5", "U5", "echo: hi", ""","bot_id":"B1" """)));
        var edit = await host.Client.SendAsync(Signed(Event("Ev6", "U5", "hi", ""","subtype":"message_changed" """)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (bot.StatusCode, edit.StatusCode));
        Assert.Empty(await host.Store.LoadAsync("slack:U5"));
    }

    [Fact]
    public async Task An_oversized_payload_is_413_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Slack(standIn), maxBodyBytes: 1024);

        var response = await host.Client.SendAsync(Signed(Event("Ev7", "U7", new string('长', 1000))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("slack:U7"));
    }

    [Fact]
    public async Task A_user_over_the_rate_limit_gets_429_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"ok":true}""");
        await using var host = await ChannelHost.StartAsync(Slack(standIn, new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Signed(Event("Ev8", "U8", "一")));
        var second = await host.Client.SendAsync(Signed(Event("Ev9", "U8", "二")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("slack:U8"));
    }

    [Fact]
    public async Task When_slack_is_rate_limiting_or_down_the_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = _ => (200, """{"ok":false,"error":"ratelimited"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Slack(standIn), logs);

        var response = await host.Client.SendAsync(Signed(Event("Ev10", "U10", "在吗")));
        await host.DeliveredAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, standIn.Calls.Count);
        Assert.Contains("slack: a reply to slack:U10 was not delivered after 3 attempt(s): HTTP 200: ratelimited", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("slack:U10")).Select(e => e.Type));

        standIn.Answer = _ => (200, """{"ok":false,"error":"channel_not_found"}""");
        await host.Client.SendAsync(Signed(Event("Ev11", "U11", "在吗")));
        await host.DeliveredAsync();
        Assert.Equal(4, standIn.Calls.Count);   // a refusal is not retried
    }
}
