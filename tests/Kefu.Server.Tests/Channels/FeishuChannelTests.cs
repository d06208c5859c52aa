using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kefu.Server.Channels;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// Events as the Feishu / Lark open platform posts them (schema 2.0), encrypted and signed here independently of the
/// server's code (AES-256-CBC under SHA-256 of the Encrypt Key, a random IV before the ciphertext; X-Lark-Signature the
/// hex SHA-256 of timestamp + nonce + key + body); the stand-in is the open platform's token and message APIs.
/// </summary>
public sealed class FeishuChannelTests
{
    private const string Webhook = "/webhooks/feishu/webhook";
    private const string Token = "v-kefu-verification";
    private const string EncryptKey = "kefu-encrypt-key-1";
    private const string OpenId = "ou_7d8a6e6df7621556ce0d21922b676706ccs";
    private const string ChatId = "oc_5ad11d72b830411d72b836c20";

    private static ChannelSettings Feishu(PlatformStandIn standIn, string? encryptKey = null, RateLimit? rate = null) =>
        ChannelSettings.None with { Feishu = new FeishuSettings("cli_test", "app-secret", Token, encryptKey, standIn.BaseUrl, rate ?? RateLimit.Default) };

    /// <summary>The open platform's answers: a tenant access token, then success for each message.</summary>
    private static (int, string) FeishuApi(ReceivedCall call) => call.Path.StartsWith("/open-apis/auth/", StringComparison.Ordinal)
        ? (200, """{"code":0,"msg":"ok","tenant_access_token":"t-TOKEN1","expire":7200}""")
        : (200, """{"code":0,"msg":"success","data":{"message_id":"om_reply"}}""");

    private static string Message(string messageId, string text, string chatType = "p2p", string mentions = "[]", string messageType = "text",
        string token = Token, string eventType = "im.message.receive_v1") =>
        $$"""
        {"schema":"2.0","header":{"event_id":"ev-{{messageId}}","event_type":"{{eventType}}","create_time":"1796000000000","token":"{{token}}","app_id":"cli_test","tenant_key":"2ca1d211f64f6438"},
         "event":{"sender":{"sender_id":{"union_id":"on_8ed6aa67826108097d9ee143816345","user_id":"e33ggbyz","open_id":"{{OpenId}}"},"sender_type":"user","tenant_key":"2ca1d211f64f6438"},
          "message":{"message_id":"{{messageId}}","create_time":"1796000000000","chat_id":"{{ChatId}}","chat_type":"{{chatType}}","message_type":"{{messageType}}",
           "content":{{JsonSerializer.Serialize(JsonSerializer.Serialize(new { text }))}},"mentions":{{mentions}} } } }
        """;

    private static string Encrypt(string plain, string key = EncryptKey)
    {
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var iv = RandomNumberGenerator.GetBytes(16);
        var cipher = aes.EncryptCbc(Encoding.UTF8.GetBytes(plain), iv, PaddingMode.PKCS7);
        return JsonSerializer.Serialize(new { encrypt = Convert.ToBase64String([.. iv, .. cipher]) });
    }

    private static HttpRequestMessage Post(string body, string? signWith = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Webhook) { Content = Http.Json(body) };
        if (signWith is not null)
        {
            var (timestamp, nonce) = (DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "nonce-" + Guid.NewGuid().ToString("N")[..8]);
            request.Headers.Add("X-Lark-Request-Timestamp", timestamp);
            request.Headers.Add("X-Lark-Request-Nonce", nonce);
            request.Headers.Add("X-Lark-Signature", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(timestamp + nonce + signWith + body))).ToLowerInvariant());
        }
        return request;
    }

    private static HttpRequestMessage Sealed(string plain, string key = EncryptKey) => Post(Encrypt(plain, key), signWith: key);

    [Fact]
    public async Task The_url_check_is_answered_with_its_challenge_when_its_token_is_the_verification_token()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn));

        var good = await host.Client.SendAsync(Post($$"""{"challenge":"ajls384kdjx98XX","token":"{{Token}}","type":"url_verification"}"""));
        var forged = await host.Client.SendAsync(Post("""{"challenge":"ajls384kdjx98XX","token":"guess","type":"url_verification"}"""));

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal("ajls384kdjx98XX", (await good.ReadJsonAsync()).GetProperty("challenge").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        await forged.ReadProblemAsync();
    }

    [Fact]
    public async Task The_encrypted_url_check_is_decrypted_and_answered()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, EncryptKey));

        // The URL check carries no signature headers (the documentation's security check excludes it).
        var response = await host.Client.SendAsync(Post(Encrypt($$"""{"challenge":"c-42","token":"{{Token}}","type":"url_verification"}""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("c-42", (await response.ReadJsonAsync()).GetProperty("challenge").GetString());
    }

    [Fact]
    public async Task A_text_message_runs_a_turn_and_the_reply_goes_to_the_chat_through_the_message_api()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = FeishuApi;
        await using var host = await ChannelHost.StartAsync(Feishu(standIn));

        var response = await host.Client.SendAsync(Post(Message("om_1", "你好")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["你好"], await host.UserTextsAsync("feishu:" + OpenId));
        await host.DeliveredAsync();
        var calls = standIn.Calls.ToArray();
        Assert.Equal(["/open-apis/auth/v3/tenant_access_token/internal", "/open-apis/im/v1/messages?receive_id_type=chat_id"], calls.Select(c => c.Path));
        var credentials = JsonDocument.Parse(calls[0].Body).RootElement;
        Assert.Equal(("cli_test", "app-secret"), (credentials.GetProperty("app_id").GetString(), credentials.GetProperty("app_secret").GetString()));
        Assert.Equal("Bearer t-TOKEN1", calls[1].Headers["Authorization"]);
        var sent = JsonDocument.Parse(calls[1].Body).RootElement;
        Assert.Equal((ChatId, "text"), (sent.GetProperty("receive_id").GetString(), sent.GetProperty("msg_type").GetString()));
        Assert.Equal("echo: 你好", JsonDocument.Parse(sent.GetProperty("content").GetString()!).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_encrypted_signed_group_message_runs_a_turn_without_the_mention_and_buttons_become_lines()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = FeishuApi;
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, EncryptKey));
        const string mentions = """[{"key":"@_user_1","id":{"union_id":"on_bot","user_id":"","open_id":"ou_bot"},"name":"客服机器人","tenant_key":"2ca1d211f64f6438"}]""";

        var response = await host.Client.SendAsync(Sealed(Message("om_2", "@_user_1 /buttons", "group", mentions)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["/buttons"], await host.UserTextsAsync("feishu:" + OpenId));
        await host.DeliveredAsync();
        var sent = JsonDocument.Parse(standIn.Calls.Last().Body).RootElement;
        Assert.Equal("请选择：\n· 查订单\n· 退货", JsonDocument.Parse(sent.GetProperty("content").GetString()!).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_forged_unsigned_tampered_plain_or_wrongly_keyed_request_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = FeishuApi;
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, EncryptKey));
        var plain = Message("om_3", "转账 100");
        var body = Encrypt(plain);

        var forged = await host.Client.SendAsync(Post(body, signWith: "not-the-key"));
        var unsigned = await host.Client.SendAsync(Post(body));
        var tampered = Post(body, signWith: EncryptKey);
        tampered.Content = Http.Json(Encrypt(Message("om_3", "转账 900")));
        var changed = await host.Client.SendAsync(tampered);
        var notEncrypted = await host.Client.SendAsync(Post(plain, signWith: EncryptKey));
        var otherKey = await host.Client.SendAsync(Post(Encrypt(plain, "another-key"), signWith: EncryptKey));
        var wrongToken = await host.Client.SendAsync(Sealed(Message("om_4", "转账 100", token: "guess")));

        Assert.All([forged, unsigned, changed, notEncrypted, otherKey, wrongToken], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Contains("X-Lark-Signature does not match", (await forged.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("lacks X-Lark-Signature", (await unsigned.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("does not decrypt", (await otherKey.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("verification_token", (await wrongToken.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("feishu:" + OpenId));
        Assert.Empty(standIn.Calls);
    }

    [Fact]
    public async Task A_plain_event_with_the_wrong_token_is_401()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn));

        var response = await host.Client.SendAsync(Post(Message("om_5", "你好", token: "guess")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("feishu:" + OpenId));
    }

    [Fact]
    public async Task A_redelivered_event_runs_one_turn_and_sends_one_reply()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = FeishuApi;
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, EncryptKey));
        var plain = Message("om_6", "我的订单");

        var first = await host.Client.SendAsync(Sealed(plain));
        var again = await host.Client.SendAsync(Sealed(plain));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal(["我的订单"], await host.UserTextsAsync("feishu:" + OpenId));
        await host.DeliveredAsync();
        Assert.Single(standIn.Calls, c => c.Path.StartsWith("/open-apis/im/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("image", "im.message.receive_v1")]
    [InlineData("text", "im.chat.member.bot.added_v1")]
    public async Task Other_messages_and_events_are_acknowledged_without_a_turn(string messageType, string eventType)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn));

        var response = await host.Client.SendAsync(Post(Message("om_7", "hi", messageType: messageType, eventType: eventType)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("feishu:" + OpenId));
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_details_and_an_oversized_body_413()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, EncryptKey), maxBodyBytes: 2048);

        var broken = await host.Client.SendAsync(Post("{\"encrypt\":", signWith: EncryptKey));
        var sealedBroken = await host.Client.SendAsync(Post(Encrypt("{\"schema\":\"2.0\","), signWith: EncryptKey));
        var tooBig = await host.Client.SendAsync(Sealed(Message("om_8", new string('长', 1000))));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (broken.StatusCode, sealedBroken.StatusCode));
        Assert.Contains("not valid JSON", (await broken.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("not valid JSON", (await sealedBroken.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("feishu:" + OpenId));
    }

    [Fact]
    public async Task A_user_over_the_rate_limit_gets_429_and_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = FeishuApi;
        await using var host = await ChannelHost.StartAsync(Feishu(standIn, rate: new RateLimit(Burst: 1, PerMinute: 1)));

        var first = await host.Client.SendAsync(Post(Message("om_9", "一")));
        var second = await host.Client.SendAsync(Post(Message("om_10", "二")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(["一"], await host.UserTextsAsync("feishu:" + OpenId));
    }

    [Fact]
    public async Task The_token_is_kept_and_fetched_again_when_the_platform_calls_it_invalid()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        var (tokens, firstRevoked) = (0, false);
        standIn.Answer = call => call.Path.StartsWith("/open-apis/auth/", StringComparison.Ordinal)
            ? (200, $$"""{"code":0,"msg":"ok","tenant_access_token":"t-{{Interlocked.Increment(ref tokens)}}","expire":7200}""")
            : Volatile.Read(ref firstRevoked) && call.Headers["Authorization"] == "Bearer t-1"
                ? (400, """{"code":99991663,"msg":"Invalid access token for authorization. Please make a request with token attached."}""")
                : FeishuApi(call);
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn), logs);

        await host.Client.SendAsync(Post(Message("om_11", "一")));
        await host.DeliveredAsync();
        await host.Client.SendAsync(Post(Message("om_12", "二")));
        await host.DeliveredAsync();
        Assert.Equal(1, Volatile.Read(ref tokens));   // the second reply reuses the token

        Volatile.Write(ref firstRevoked, true);
        await host.Client.SendAsync(Post(Message("om_13", "三")));
        await host.DeliveredAsync();

        Assert.Equal(2, Volatile.Read(ref tokens));
        var sends = standIn.Calls.Where(c => c.Path.StartsWith("/open-apis/im/", StringComparison.Ordinal)).Select(c => c.Headers["Authorization"]);
        Assert.Equal(["Bearer t-1", "Bearer t-1", "Bearer t-1", "Bearer t-2"], sends);
        Assert.Empty(logs.Errors());
    }

    [Fact]
    public async Task When_the_message_api_is_down_the_reply_is_retried_then_logged_and_the_turn_stays_stored()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        standIn.Answer = call => call.Path.StartsWith("/open-apis/auth/", StringComparison.Ordinal) ? FeishuApi(call) : PlatformStandIn.Down(call);
        var logs = new RecordingLoggerProvider();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn), logs);

        var response = await host.Client.SendAsync(Post(Message("om_14", "在吗")));
        await host.DeliveredAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, standIn.Calls.Count(c => c.Path.StartsWith("/open-apis/im/", StringComparison.Ordinal)));
        Assert.Contains($"feishu: a reply to feishu:{OpenId} was not delivered after 3 attempt(s)", Assert.Single(logs.Errors()).Message);
        Assert.Equal(["user", "bot"], (await host.Store.LoadAsync("feishu:" + OpenId)).Select(e => e.Type));
    }

    [Fact]
    public async Task The_channel_has_its_routes_in_the_openapi_document_and_answers_its_health_check()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(Feishu(standIn));

        var paths = (await (await host.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync()).GetProperty("paths");

        Assert.True(paths.GetProperty(Webhook).TryGetProperty("post", out _));
        Assert.Equal("ok", (await (await host.Client.GetAsync("/webhooks/feishu/")).ReadJsonAsync()).GetProperty("status").GetString());
    }
}
