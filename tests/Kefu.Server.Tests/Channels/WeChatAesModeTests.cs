using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// A WeChat Official Account in safe and compatible mode: messages encrypted and signed here by <see cref="TencentCipher"/>
/// (the tests' own copy of Tencent's scheme), as WeChat's server posts them, and the encrypted passive replies opened with it.
/// </summary>
public sealed class WeChatAesModeTests
{
    private const string Webhook = "/webhooks/wechat/webhook";
    private const string Token = "kefuWeChatToken";
    private const string AppId = "wx1234567890";
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string OpenId = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    private static readonly TencentCipher Cipher = new(Token, AesKey, AppId);

    private static ChannelSettings WeChat(PlatformStandIn standIn, bool onlyEncrypted = true) => ChannelSettings.None with
    {
        WeChat = new WeChatSettings(Token, AppId, "app-secret", standIn.BaseUrl, RateLimit.Default) { Encryption = new WeChatEncryption(AesKey, onlyEncrypted) },
    };

    private static string Text(string content, long msgId) =>
        $"<xml><ToUserName><![CDATA[gh_kefu]]></ToUserName><FromUserName><![CDATA[{OpenId}]]></FromUserName><CreateTime>1796000000</CreateTime>" +
        $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId></xml>";

    /// <summary>The plain signature query WeChat adds in every mode: hex SHA1 of the sorted token, timestamp and nonce.</summary>
    private static string PlainQuery()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"signature={TencentCipher.Signature(Token, timestamp, "1514711492")}&timestamp={timestamp}&nonce=1514711492&openid={OpenId}";
    }

    /// <summary>
    /// The query of an encrypted POST: WeChat's plain signature (as in every mode), encrypt_type=aes and the msg_signature
    /// of <paramref name="encrypt"/> over the same timestamp and nonce.
    /// </summary>
    private static string EncryptedQuery(string encrypt, string signingToken = Token)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        const string nonce = "1372623149";
        return $"signature={TencentCipher.Signature(Token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&openid={OpenId}" +
               $"&encrypt_type=aes&msg_signature={TencentCipher.Signature(signingToken, timestamp, nonce, encrypt)}";
    }

    /// <summary>A safe-mode POST: &lt;xml&gt;&lt;ToUserName/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;.</summary>
    private static HttpRequestMessage Encrypted(string message, string? receiver = null, string signingToken = Token)
    {
        var encrypt = Cipher.Encrypt(message, receiver);
        return new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{EncryptedQuery(encrypt, signingToken)}")
        {
            Content = new StringContent($"<xml><ToUserName><![CDATA[gh_kefu]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", Encoding.UTF8, "text/xml"),
        };
    }

    private static HttpRequestMessage Plain(string xml) => new(HttpMethod.Post, $"{Webhook}?{PlainQuery()}") { Content = new StringContent(xml, Encoding.UTF8, "text/xml") };

    [Fact]
    public async Task An_encrypted_text_message_gets_an_encrypted_passive_reply()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Encrypted(Text("你好", 2001)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = XElement.Parse(Cipher.OpenReply(await response.Content.ReadAsStringAsync()));
        Assert.Equal((OpenId, "gh_kefu", "echo: 你好"), (reply.Element("ToUserName")!.Value, reply.Element("FromUserName")!.Value, reply.Element("Content")!.Value));
        Assert.Equal(["你好"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task The_server_check_works_in_safe_mode()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.GetAsync($"{Webhook}?{PlainQuery()}&echostr=6181256406486384283");

        Assert.Equal((HttpStatusCode.OK, "6181256406486384283"), (response.StatusCode, await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Safe_mode_refuses_a_plaintext_message_and_compatible_mode_takes_both()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var safe = await ChannelHost.StartAsync(WeChat(standIn));
        await using var compatible = await ChannelHost.StartAsync(WeChat(standIn, onlyEncrypted: false));

        var refused = await safe.Client.SendAsync(Plain(Text("明文", 2002)));
        var plain = await compatible.Client.SendAsync(Plain(Text("明文", 2003)));
        var encrypted = await compatible.Client.SendAsync(Encrypted(Text("密文", 2004)));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("safe mode", (await refused.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await safe.Store.LoadAsync("wechat:" + OpenId));
        Assert.Equal("echo: 明文", XElement.Parse(await plain.Content.ReadAsStringAsync()).Element("Content")!.Value);
        Assert.Equal("echo: 密文", XElement.Parse(Cipher.OpenReply(await encrypted.Content.ReadAsStringAsync())).Element("Content")!.Value);
        Assert.Equal(["明文", "密文"], await compatible.UserTextsAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_compatible_mode_message_is_read_from_its_encrypted_part()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn, onlyEncrypted: false));
        var encrypt = Cipher.Encrypt(Text("真的", 2005));
        // Compatible mode sends the plaintext fields beside Encrypt; only Encrypt is signed, so only it is read.
        var envelope = Text("forged", 2005).Replace("</xml>", $"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", StringComparison.Ordinal);
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{EncryptedQuery(encrypt)}")
        {
            Content = new StringContent(envelope, Encoding.UTF8, "text/xml"),
        };

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["真的"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_forged_msg_signature_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Encrypted(Text("转账", 2006), signingToken: "guess"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("msg_signature", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_message_encrypted_for_another_app_id_is_401_and_runs_no_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Encrypted(Text("转账", 2007), receiver: "wx_other_account"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("'wx_other_account', not 'wx1234567890'", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("wechat:" + OpenId));
    }

    [Fact]
    public async Task A_replayed_encrypted_message_runs_one_turn()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var first = await host.Client.SendAsync(Encrypted(Text("我的订单", 2008)));
        var replay = await host.Client.SendAsync(Encrypted(Text("我的订单", 2008)));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, replay.StatusCode));
        Assert.Equal("success", await replay.Content.ReadAsStringAsync());
        Assert.Equal(["我的订单"], await host.UserTextsAsync("wechat:" + OpenId));
    }

    [Theory]
    [InlineData("<xml><MsgType>text</MsgType", "decrypted, a WeChat message is not valid XML")]
    [InlineData("<message/>", "decrypted, a WeChat message is an <xml> element, not <message>")]
    public async Task A_malformed_decrypted_message_is_400(string inner, string detail)
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn));

        var response = await host.Client.SendAsync(Encrypted(inner));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_encrypt_that_does_not_decrypt_is_400_and_an_oversized_one_413()
    {
        await using var standIn = await PlatformStandIn.StartAsync();
        await using var host = await ChannelHost.StartAsync(WeChat(standIn), maxBodyBytes: 1024);
        var garbage = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Webhook}?{EncryptedQuery(garbage)}")
        {
            Content = new StringContent($"<xml><Encrypt>{garbage}</Encrypt></xml>", Encoding.UTF8, "text/xml"),
        };

        var undecryptable = await host.Client.SendAsync(request);
        var oversized = await host.Client.SendAsync(Encrypted(Text(new string('长', 1000), 2009)));

        Assert.Equal(HttpStatusCode.BadRequest, undecryptable.StatusCode);
        Assert.Contains("could not be decrypted with the encoding_aes_key", (await undecryptable.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Empty(await host.Store.LoadAsync("wechat:" + OpenId));
    }
}
