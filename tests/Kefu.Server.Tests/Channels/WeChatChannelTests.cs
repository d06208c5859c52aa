using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// Messages as a WeChat Official Account's server posts them in plaintext mode, signed here independently of the server's
/// code (hex SHA1 of the sorted token, timestamp and nonce); the stand-in is api.weixin.qq.com's token and
/// customer-service message calls.
/// </summary>
public sealed class WeChatChannelTests
{
    private const string Webhook = "/webhooks/wechat/webhook";
    private const string Token = "kefuWeChatToken";
    private const string OpenId = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

    private static ChannelSettings WeChat(PlatformStandIn standIn, RateLimit? rate = null, TimeSpan? window = null) =>
        ChannelSettings.None with
        {
            WeChat = new WeChatSettings(Token, "wx1234567890", "app-secret", standIn.BaseUrl, rate ?? RateLimit.Default) { PassiveWindow = window ?? TimeSpan.FromSeconds(4.5) },
        };

    /// <summary>The API's answers: an access token, then ok for each customer-service message.</summary>
    private static (int, string) WeChatApi(ReceivedCall call) => call.Path.StartsWith("/cgi-bin/token", StringComparison.Ordinal)
        ? (200, """{"access_token":"ACCESS_TOKEN_1","expires_in":7200}""")
        : (200, """{"errcode":0,"errmsg":"ok"}""");

    private static string Query(string token = Token, string extra = "")
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        const string nonce = "1514711492";
        string[] parts = [token, timestamp, nonce];
        Array.Sort(parts, StringComparer.Ordinal);
        var signature = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts)))).ToLowerInvariant();
        return $"?signature={signature}&timestamp={timestamp}&nonce={nonce}{extra}";
    }

    private static string Text(string content, long msgId) =>
        $"<xml><ToUserName><![CDATA[gh_kefu]]></ToUserName><FromUserName><![CDATA[{OpenId}]]></FromUserName><CreateTime>1796000000</CreateTime>" +
        $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content.Replace("]]>", "]]]]><![CDATA[>")}]]></Content><MsgId>{msgId}</MsgId></xml>";

    private static HttpRequestMessage Post(string xml, string? query = null) => new(HttpMethod.Post, Webhook + (query ?? Query() + "&openid=" + OpenId))
    {
        Content = new StringContent(xml, Encoding.UTF8, "text/xml"),
    };

    [Fact]
    public async Task The_server_check_echoes_echostr_only_when_signed_with_the_token()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var good = await host.Client.GetAsync(Webhook + Query(extra: "&echostr=6181256406486384283"));
        var forged = await host.Client.GetAsync(Webhook + Query(token: "guess", extra: "&echostr=6181256406486384283"));

        Assert.Equal((HttpStatusCode.OK, "6181256406486384283"), (good.StatusCode, await good.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task A_text_message_gets_the_passive_reply_and_is_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Post(Text("你好 ]]> <b>", 1001)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = XElement.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((OpenId, "gh_kefu", "text", "echo: 你好 ]]> <b>"),
            (reply.Element("ToUserName")!.Value, reply.Element("FromUserName")!.Value, reply.Element("MsgType")!.Value, reply.Element("Content")!.Value));
        Assert.Equal(["你好 ]]> <b>"], await host.UserTextsAsync("wechat:" + OpenId));
        Assert.Empty(standIn.Calls);
    }

    [Fact]
    public async Task Buttons_become_lines_of_their_titles()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var reply = XElement.Parse(await (await host.Client.SendAsync(Post(Text("/buttons", 1002)))).Content.ReadAsStringAsync());

        Assert.Equal("请选择：\n· 查订单\n· 退货", reply.Element("Content")!.Value);
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData(null)]
    public async Task A_forged_or_unsigned_message_is_401_and_runs_no_turn(string? token)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Post(Text("转账", 1003), token is null ? "?openid=" + OpenId : Query(token)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await response.ReadProblemAsync();
        Assert.Empty(await host.Store.LoadAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_replayed_msg_id_runs_one_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var first = await host.Client.SendAsync(Post(Text("我的订单", 1004)));
        var replay = await host.Client.SendAsync(Post(Text("我的订单", 1004)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, replay.StatusCode));
        Assert.Equal("success", await replay.Content.ReadAsStringAsync());
        Assert.Equal(["我的订单"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task An_oversized_message_is_413_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn), maxBodyBytes: 1024);

        var response = await host.Client.SendAsync(Post(Text(new string('长', 1000), 1005)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_user_over_the_rate_limit_gets_429_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Post(Text("一", 1006)));
        var second = await host.Client.SendAsync(Post(Text("二", 1007)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Theory]
    [InlineData("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><MsgType>event</MsgType><Event>subscribe</Event></xml>", HttpStatusCode.OK)]
    [InlineData("<xml><MsgType>image</MsgType><FromUserName>o1</FromUserName><MsgId>9</MsgId></xml>", HttpStatusCode.OK)]
    [InlineData("<xml><MsgType>text</MsgType", HttpStatusCode.BadRequest)]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><MsgType>text</MsgType><Content>&e;</Content></xml>", HttpStatusCode.BadRequest)]
    [InlineData("<xml><MsgType>text</MsgType><Content>hi</Content></xml>", HttpStatusCode.BadRequest)]
    public async Task Other_messages_are_acknowledged_and_bad_xml_is_400_without_a_turn(string xml, HttpStatusCode status)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Post(xml));

        Assert.Equal(status, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("wechat:o1"));
    }

    [Fact]
    public async Task A_turn_slower_than_the_passive_window_is_answered_success_and_replied_through_the_customer_service_api()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeChatApi;
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, window: TimeSpan.FromMilliseconds(100)), chat: store => new SlowChatService(new EchoChatService(store)));

        var response = await host.Client.SendAsync(Post(Text("/slow 查物流", 1008)));

        Assert.Equal("success", await response.Content.ReadAsStringAsync());
        var send = await WaitForAsync(standIn, c => c.Path.StartsWith("/cgi-bin/message/custom/send", StringComparison.Ordinal));
        Assert.Equal("/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN_1", send.Path);
        var body = JsonDocument.Parse(send.Body).RootElement;
        Assert.Equal((OpenId, "text", "echo: /slow 查物流"),
            (body.GetProperty("touser").GetString(), body.GetProperty("msgtype").GetString(), body.GetProperty("text").GetProperty("content").GetString()));
        Assert.Equal("/cgi-bin/token?grant_type=client_credential&appid=wx1234567890&secret=app-secret", standIn.Calls.First().Path);
        Assert.Equal(["/slow 查物流"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task When_the_customer_service_api_is_busy_the_late_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = call => call.Path.StartsWith("/cgi-bin/token", StringComparison.Ordinal) ? WeChatApi(call) : (200, """{"errcode":-1,"errmsg":"system error"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, window: TimeSpan.FromMilliseconds(100)), logs, chat: store => new SlowChatService(new EchoChatService(store)));

        await host.Client.SendAsync(Post(Text("/slow 在吗", 1009)));
        await UntilAsync(() => logs.Errors().Length > 0);

        Assert.Equal(3, standIn.Calls.Count(c => c.Path.StartsWith("/cgi-bin/message/custom/send", StringComparison.Ordinal)));
        Assert.Single(standIn.Calls, c => c.Path.StartsWith("/cgi-bin/token", StringComparison.Ordinal));   // the token is kept
        Assert.Contains($"wechat: a reply to wechat:{OpenId} was not delivered after 3 attempt(s): errcode -1: system error", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("wechat:" + OpenId)).Select(e => e.Type));
    }

    [Fact]
    public async Task An_expired_access_token_is_fetched_again_and_the_reply_sent()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        var tokens = 0;
        standIn.Answer = call => call.Path.StartsWith("/cgi-bin/token", StringComparison.Ordinal)
            ? (200, $$"""{"access_token":"T{{Interlocked.Increment(ref tokens)}}","expires_in":7200}""")
            : call.Path.EndsWith("access_token=T1", StringComparison.Ordinal) ? (200, """{"errcode":42001,"errmsg":"access_token expired"}""")
            : (200, """{"errcode":0,"errmsg":"ok"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, window: TimeSpan.FromMilliseconds(100)), logs, chat: store => new SlowChatService(new EchoChatService(store)));

        await host.Client.SendAsync(Post(Text("/slow 你好", 1010)));
        await WaitForAsync(standIn, c => c.Path.EndsWith("access_token=T2", StringComparison.Ordinal));
        await host.DeliveredAsync();

        Assert.Equal(2, tokens);
        Assert.Empty(logs.Errors());
    }

    [Fact]
    public async Task A_slow_turn_that_fails_after_the_success_answer_still_stores_the_message()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeChatApi;
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, window: TimeSpan.FromMilliseconds(100)), logs, chat: store => new SlowChatService(new EchoChatService(store)));

        var response = await host.Client.SendAsync(Post(Text("/slow /fail", 1011)));
        await UntilAsync(() => logs.Errors().Length > 0);
        await UntilAsync(() => host.Store.LoadAsync("wechat:" + OpenId).Result.Count > 0);

        Assert.Equal("success", await response.Content.ReadAsStringAsync());
        Assert.Contains("failed after WeChat was answered", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user"], (await host.Store.LoadAsync("wechat:" + OpenId)).Select(e => e.Type));
        Assert.Empty(standIn.Calls);
    }

    private static async Task<ReceivedCall> WaitForAsync(PlatformStandIn standIn, Func<ReceivedCall, bool> match)
    {
        for (var i = 0; i < 200; i++)
        {
            if (standIn.Calls.FirstOrDefault(match) is { } call)
                return call;
            await Task.Delay(25);
        }
        throw new TimeoutException("the stand-in received no such call in 5 s");
    }

    private static async Task UntilAsync(Func<bool> done)
    {
        for (var i = 0; i < 200 && !done(); i++)
            await Task.Delay(25);
        Assert.True(done(), "not done in 5 s");
    }
}
