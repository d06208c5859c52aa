using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// Messages as DingTalk posts them to an enterprise-internal robot's HTTP callback, signed here independently of the
/// server's code (sign = Base64(HMAC-SHA256(app secret, timestamp + "\n" + app secret))); the stand-in is oapi.dingtalk.com,
/// which serves the messages' sessionWebhook.
/// </summary>
public sealed class DingTalkChannelTests
{
    private const string Webhook = "/webhooks/dingtalk/webhook";
    private const string AppSecret = "kefu-dingtalk-app-secret-0123456789";
    private const string StaffId = "manager4220";

    private static ChannelSettings DingTalk(PlatformStandIn standIn, RateLimit? rate = null) =>
        ChannelSettings.None with { DingTalk = new DingTalkSettings("dingkefu", AppSecret, standIn.BaseUrl, rate ?? RateLimit.Default) };

    private static string Text(string msgId, string content, Uri api, string? staffId = StaffId, string msgtype = "text", string? sessionWebhook = null,
        DateTimeOffset? expires = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["conversationId"] = "cidqO7Ne8ByPRE5jHCTkW/qCw==",
            ["chatbotCorpId"] = "dinge8a565ff",
            ["chatbotUserId"] = "$:LWCP_v1:$Cxz2bot",
            ["msgId"] = msgId,
            ["senderNick"] = "张三",
            ["isAdmin"] = false,
            ["senderStaffId"] = staffId,
            ["sessionWebhookExpiredTime"] = (expires ?? DateTimeOffset.UtcNow.AddMinutes(90)).ToUnixTimeMilliseconds(),
            ["createAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["senderCorpId"] = "dinge8a565ff",
            ["conversationType"] = "1",
            ["senderId"] = "$:LWCP_v1:$ucSender==",
            ["sessionWebhook"] = sessionWebhook ?? new Uri(api, "robot/sendBySession?session=5ce4a7c2").ToString(),
            ["text"] = new { content },
            ["robotCode"] = "dingkefu",
            ["msgtype"] = msgtype,
        });

    private static HttpRequestMessage Signed(string body, string? secret = AppSecret, DateTimeOffset? at = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = Http.Json(body) };
        if (secret is not null)
        {
            var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            request.Headers.Add("timestamp", timestamp);
            request.Headers.Add("sign", Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + "\n" + secret))));
        }
        return request;
    }

    [Fact]
    public async Task A_text_message_runs_a_turn_and_the_reply_goes_to_its_session_webhook()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn));

        var response = await host.Client.SendAsync(Signed(Text("msgA1", " 你好 ", standIn.BaseUrl)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["你好"], await host.UserTextsAsync("dingtalk:" + StaffId));
        await host.DeliveredAsync();
        var call = Assert.Single(standIn.Calls);
        Assert.Equal(("POST", "/robot/sendBySession?session=5ce4a7c2"), (call.Method, call.Path));
        var sent = JsonDocument.Parse(call.Body).RootElement;
        Assert.Equal(("text", "echo: 你好"), (sent.GetProperty("msgtype").GetString(), sent.GetProperty("text").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task Without_a_staff_id_the_conversation_is_the_sender_id_and_buttons_become_lines()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn));

        await host.Client.SendAsync(Signed(Text("msgA2", "/buttons", standIn.BaseUrl, staffId: null)));

        Assert.Equal(["/buttons"], await host.UserTextsAsync("dingtalk:$:LWCP_v1:$ucSender=="));
        await host.DeliveredAsync();
        Assert.Equal("请选择：\n· 查订单\n· 退货", JsonDocument.Parse(Assert.Single(standIn.Calls).Body).RootElement.GetProperty("text").GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_forged_unsigned_or_stale_request_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn));
        var body = Text("msgA3", "转账", standIn.BaseUrl);

        var forged = await host.Client.SendAsync(Signed(body, secret: "not-the-secret"));
        var unsigned = await host.Client.SendAsync(Signed(body, secret: null));
        var stale = await host.Client.SendAsync(Signed(body, at: DateTimeOffset.UtcNow.AddMinutes(-61)));
        var future = await host.Client.SendAsync(Signed(body, at: DateTimeOffset.UtcNow.AddMinutes(61)));

        Assert.All([forged, unsigned, stale, future], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Contains("does not match", (await forged.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("within an hour", (await stale.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("dingtalk:" + StaffId));
        Assert.Empty(standIn.Calls);
    }

    [Fact]
    public async Task A_replayed_msg_id_runs_one_turn_and_sends_one_reply()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn));
        var body = Text("msgA4", "我的订单", standIn.BaseUrl);

        var first = await host.Client.SendAsync(Signed(body));
        var replay = await host.Client.SendAsync(Signed(body));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, replay.StatusCode));
        Assert.Equal(["我的订单"], await host.UserTextsAsync("dingtalk:" + StaffId));
        await host.DeliveredAsync();
        Assert.Single(standIn.Calls);
    }

    [Fact]
    public async Task A_session_webhook_off_the_api_host_gets_nothing_and_the_turn_is_kept()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        await using var elsewhere = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn), logs);

        var response = await host.Client.SendAsync(Signed(Text("msgA5", "你好", standIn.BaseUrl, sessionWebhook: new Uri(elsewhere.BaseUrl, "collect").ToString())));
        await host.DeliveredAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(elsewhere.Calls);
        Assert.Empty(standIn.Calls);
        Assert.Contains("not on dingtalk api_url", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("dingtalk:" + StaffId)).Select(e => e.Type));
    }

    [Fact]
    public async Task An_expired_session_webhook_is_not_called_and_the_reply_is_logged()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn), logs);

        await host.Client.SendAsync(Signed(Text("msgA6", "你好", standIn.BaseUrl, expires: DateTimeOffset.UtcNow.AddSeconds(-1))));
        await host.DeliveredAsync();

        Assert.Empty(standIn.Calls);
        Assert.Contains("the sessionWebhook expired", Assert.Single(logs.Errors()).Message);
    }

    [Fact]
    public async Task When_dingtalk_is_busy_the_reply_is_retried_then_logged()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = _ => (200, """{"errcode":-1,"errmsg":"系统繁忙"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn), logs);

        await host.Client.SendAsync(Signed(Text("msgA7", "在吗", standIn.BaseUrl)));
        await host.DeliveredAsync();

        Assert.Equal(3, standIn.Calls.Count);
        Assert.Contains($"dingtalk: a reply to dingtalk:{StaffId} was not delivered after 3 attempt(s): HTTP 200: errcode -1: 系统繁忙", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("dingtalk:" + StaffId)).Select(e => e.Type));
    }

    [Fact]
    public async Task Other_message_types_are_acknowledged_malformed_json_is_400_and_an_oversized_body_413()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn), maxBodyBytes: 2048);

        var picture = await host.Client.SendAsync(Signed(Text("msgA8", "", standIn.BaseUrl, msgtype: "picture")));
        var broken = await host.Client.SendAsync(Signed("{\"msgtype\":\"text\","));
        var missing = await host.Client.SendAsync(Signed("""{"msgtype":"text","text":{"content":"hi"}}"""));
        var tooBig = await host.Client.SendAsync(Signed(Text("msgA9", new string('长', 1000), standIn.BaseUrl)));

        Assert.Equal(HttpStatusCode.OK, picture.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (broken.StatusCode, missing.StatusCode));
        Assert.Contains("not valid JSON", (await broken.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("needs msgId", (await missing.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("dingtalk:" + StaffId));
    }

    [Fact]
    public async Task A_user_over_the_rate_limit_gets_429_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync("""{"errcode":0,"errmsg":"ok"}""");
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn, new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Signed(Text("msgA10", "一", standIn.BaseUrl)));
        var second = await host.Client.SendAsync(Signed(Text("msgA11", "二", standIn.BaseUrl)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("dingtalk:" + StaffId));
    }

    [Fact]
    public async Task The_channel_has_its_routes_in_the_openapi_document_and_answers_its_health_check()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(DingTalk(standIn));

        var paths = (await (await host.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync()).GetProperty("paths");

        Assert.True(paths.GetProperty(Webhook).TryGetProperty("post", out _));
        Assert.Equal("ok", (await (await host.Client.GetAsync("/webhooks/dingtalk/")).ReadJsonAsync()).GetProperty("status").GetString());
    }
}
