using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// A WeCom application's callback as WeCom's server posts it, encrypted and signed here by <see cref="TencentCipher"/> (the
/// tests' own copy of Tencent's scheme, receive id = the corp id); the stand-in is qyapi.weixin.qq.com's gettoken and
/// message/send.
/// </summary>
public sealed class WeComChannelTests
{
    private const string Webhook = "/webhooks/wecom/webhook";
    private const string CorpId = "ww4f1e8d2c0b9a7531";
    private const string Token = "kefuWeComToken";
    private const string AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string UserId = "ZhangSan";
    private static readonly TencentCipher Cipher = new(Token, AesKey, CorpId);

    private static ChannelSettings WeCom(PlatformStandIn standIn, RateLimit? rate = null) => ChannelSettings.None with
    {
        WeCom = new WeComSettings(CorpId, 1000002, "corp-secret", Token, AesKey, standIn.BaseUrl, rate ?? RateLimit.Default),
    };

    /// <summary>The API's answers: an access token, then ok for each message.</summary>
    private static (int, string) WeComApi(ReceivedCall call) => call.Path.StartsWith("/cgi-bin/gettoken", StringComparison.Ordinal)
        ? (200, """{"errcode":0,"errmsg":"ok","access_token":"WECOM_TOKEN_1","expires_in":7200}""")
        : (200, """{"errcode":0,"errmsg":"ok","invaliduser":""}""");

    private static string Text(string content, long msgId, string from = UserId) =>
        $"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>1796000000</CreateTime>" +
        $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId><AgentID>1000002</AgentID></xml>";

    private static HttpRequestMessage Post(string message, string? receiver = null, string? signingToken = null)
    {
        var encrypt = Cipher.Encrypt(message, receiver);
        return new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{Cipher.Query(encrypt, signingToken)}")
        {
            Content = new StringContent($"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>",
                Encoding.UTF8, "text/xml"),
        };
    }

    [Fact]
    public async Task Url_verification_answers_the_decrypted_echostr_only_when_signed_and_for_this_corp()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));
        string Verify(string echo, string? token = null) => $"{Webhook}?{Cipher.Query(echo, token)}&echostr={Uri.EscapeDataString(echo)}";

        var echo = Cipher.Encrypt("4075181314397890557");
        var good = await host.Client.GetAsync(Verify(echo));
        var forged = await host.Client.GetAsync(Verify(echo, token: "guess"));
        var otherCorp = await host.Client.GetAsync(Verify(Cipher.Encrypt("4075181314397890557", "ww_other_corp")));
        var unsigned = await host.Client.GetAsync($"{Webhook}?echostr=1");

        Assert.Equal((HttpStatusCode.OK, "4075181314397890557"), (good.StatusCode, await good.Content.ReadAsStringAsync()));
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (forged.StatusCode, otherCorp.StatusCode, unsigned.StatusCode));
        await otherCorp.ReadProblemAsync();
    }

    [Fact]
    public async Task A_text_message_runs_a_turn_and_the_reply_goes_through_message_send()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeComApi;
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));

        var first = await host.Client.SendAsync(Post(Text("你好", 3001)));
        var second = await host.Client.SendAsync(Post(Text("/buttons", 3002)));
        await host.DeliveredAsync();

        Assert.Equal((HttpStatusCode.OK, ""), (first.StatusCode, await first.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["你好", "/buttons"], await host.UserTextsAsync("wecom:" + UserId));
        var calls = standIn.Calls.ToArray();
        Assert.Equal($"/cgi-bin/gettoken?corpid={CorpId}&corpsecret=corp-secret", calls[0].Path);
        Assert.Single(calls, c => c.Path.StartsWith("/cgi-bin/gettoken", StringComparison.Ordinal));   // the token is kept
        var sends = calls.Where(c => c.Path.StartsWith("/cgi-bin/message/send", StringComparison.Ordinal)).ToArray();
        Assert.All(sends, s => Assert.Equal("/cgi-bin/message/send?access_token=WECOM_TOKEN_1", s.Path));
        var bodies = sends.Select(s => JsonDocument.Parse(s.Body).RootElement).ToArray();
        Assert.Equal([(UserId, "text", 1000002, "echo: 你好"), (UserId, "text", 1000002, "请选择：\n· 查订单\n· 退货")],
            bodies.Select(b => (b.GetProperty("touser").GetString(), b.GetProperty("msgtype").GetString(), b.GetProperty("agentid").GetInt32(),
                b.GetProperty("text").GetProperty("content").GetString())));
    }

    [Fact]
    public async Task An_expired_access_token_is_fetched_again_and_the_reply_sent()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        var tokens = 0;
        standIn.Answer = call => call.Path.StartsWith("/cgi-bin/gettoken", StringComparison.Ordinal)
            ? (200, $$"""{"errcode":0,"access_token":"T{{Interlocked.Increment(ref tokens)}}","expires_in":7200}""")
            : call.Path.EndsWith("access_token=T1", StringComparison.Ordinal) ? (200, """{"errcode":42001,"errmsg":"access_token expired"}""")
            : (200, """{"errcode":0,"errmsg":"ok"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn), logs);

        await host.Client.SendAsync(Post(Text("你好", 3003)));
        await host.DeliveredAsync();

        Assert.Equal(2, tokens);
        Assert.Single(standIn.Calls, c => c.Path.EndsWith("access_token=T2", StringComparison.Ordinal));
        Assert.Empty(logs.Errors());
    }

    [Fact]
    public async Task When_message_send_is_busy_the_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = call => call.Path.StartsWith("/cgi-bin/gettoken", StringComparison.Ordinal) ? WeComApi(call) : (200, """{"errcode":-1,"errmsg":"system busy"}""");
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn), logs);

        await host.Client.SendAsync(Post(Text("在吗", 3004)));
        await host.DeliveredAsync();

        Assert.Equal(3, standIn.Calls.Count(c => c.Path.StartsWith("/cgi-bin/message/send", StringComparison.Ordinal)));
        Assert.Contains($"wecom: a reply to wecom:{UserId} was not delivered after 3 attempt(s): errcode -1: system busy", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("wecom:" + UserId)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_reply_over_2048_bytes_goes_in_parts()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeComApi;
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));
        var text = new string('长', 1000);   // "echo: " + 3000 bytes

        await host.Client.SendAsync(Post(Text(text, 3005)));
        await host.DeliveredAsync();

        var parts = standIn.Calls.Where(c => c.Path.StartsWith("/cgi-bin/message/send", StringComparison.Ordinal))
            .Select(c => JsonDocument.Parse(c.Body).RootElement.GetProperty("text").GetProperty("content").GetString()!).ToArray();
        Assert.Equal(2, parts.Length);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 2048));
        Assert.Equal("echo: " + text, string.Concat(parts));
    }

    [Fact]
    public async Task A_forged_signature_or_another_corp_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));

        var forged = await host.Client.SendAsync(Post(Text("转账", 3006), signingToken: "guess"));
        var otherCorp = await host.Client.SendAsync(Post(Text("转账", 3007), receiver: "ww_other_corp"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (forged.StatusCode, otherCorp.StatusCode));
        Assert.Contains("not 'ww4f1e8d2c0b9a7531'", (await otherCorp.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("wecom:" + UserId));
        Assert.Empty(standIn.Calls);
    }

    [Fact]
    public async Task A_replayed_msg_id_runs_one_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeComApi;
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));

        var first = await host.Client.SendAsync(Post(Text("我的订单", 3008)));
        var replay = await host.Client.SendAsync(Post(Text("我的订单", 3008)));
        await host.DeliveredAsync();

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, replay.StatusCode));
        Assert.Equal(["我的订单"], await host.UserTextsAsync("wecom:" + UserId));
        Assert.Single(standIn.Calls, c => c.Path.StartsWith("/cgi-bin/message/send", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_user_over_the_rate_limit_gets_429_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = WeComApi;
        await using var host = await ChannelHost.StartAsync(WeCom(standIn, new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Post(Text("一", 3009)));
        var second = await host.Client.SendAsync(Post(Text("二", 3010)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("wecom:" + UserId));
    }

    [Fact]
    public async Task An_oversized_message_is_413_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn), maxBodyBytes: 1024);

        var response = await host.Client.SendAsync(Post(Text(new string('长', 1000), 3011)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("wecom:" + UserId));
    }

    [Theory]
    [InlineData("<xml><ToUserName>c</ToUserName><Encrypt>x", "a WeCom message is not valid XML")]
    [InlineData("<xml><ToUserName>c</ToUserName></xml>", "needs its <Encrypt> element")]
    public async Task A_malformed_envelope_is_400_problem_details(string body, string detail)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));

        var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{Cipher.Query("x")}") { Content = new StringContent(body, Encoding.UTF8, "text/xml") });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("<xml><MsgType>text</MsgType", HttpStatusCode.BadRequest)]
    [InlineData("<xml><ToUserName>c</ToUserName><FromUserName>u1</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>", HttpStatusCode.OK)]
    [InlineData("<xml><MsgType>image</MsgType><FromUserName>u1</FromUserName><MsgId>9</MsgId></xml>", HttpStatusCode.OK)]
    [InlineData("<xml><MsgType>text</MsgType><Content>hi</Content></xml>", HttpStatusCode.BadRequest)]
    public async Task Other_messages_are_acknowledged_and_bad_decrypted_xml_is_400_without_a_turn(string message, HttpStatusCode status)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));

        var response = await host.Client.SendAsync(Post(message));

        Assert.Equal(status, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("wecom:u1"));
        Assert.Empty(standIn.Calls);
    }

    [Fact]
    public async Task Undecryptable_encrypt_is_400()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeCom(standIn));
        var garbage = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

        var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{Cipher.Query(garbage)}")
        {
            Content = new StringContent($"<xml><Encrypt>{garbage}</Encrypt></xml>", Encoding.UTF8, "text/xml"),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("could not be decrypted", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }
}
