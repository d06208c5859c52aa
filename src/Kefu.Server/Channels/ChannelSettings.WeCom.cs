using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Channels;

/// <summary>
/// credentials.yml's message encryption keys (Kefu's; Rasa has no WeChat channels, docs/channels.md):
/// <code>
/// wechat:
///   ...
///   encoding_aes_key: ${WECHAT_AES_KEY}   # 43 characters: the account's EncodingAESKey
///   encryption_mode: safe                 # safe (the default: encrypted messages only) or compatible (plaintext ones too)
/// wecom:                                  # a WeCom (企业微信) self-built application's callback
///   corp_id: "ww..."                      # 我的企业 → 企业ID; the receive id of the encrypted messages
///   agent_id: 1000002                     # the application's AgentId
///   secret: ${WECOM_SECRET}               # the application's Secret (for gettoken)
///   token: ${WECOM_TOKEN}                 # 接收消息 → Token
///   encoding_aes_key: ${WECOM_AES_KEY}    # 接收消息 → EncodingAESKey
///   api_url: "https://qyapi.weixin.qq.com"  # optional
/// </code>
/// </summary>
public sealed partial record ChannelSettings
{
    public WeComSettings? WeCom { get; init; }

    private static WeChatEncryption? WeChatEncryptionSettings(Dictionary<string, (string? Value, YamlNode Node)> values, string file)
    {
        var mode = Optional(values, "encryption_mode");
        if (Optional(values, "encoding_aes_key") is not { } key)
            return mode is null ? null
                : throw EndpointsYaml.Error(file, values["encryption_mode"].Node.Start, "wechat encryption_mode needs `encoding_aes_key` (plaintext mode takes neither)");
        CheckEncodingAesKey(values, "wechat", file);
        return mode switch
        {
            null or "safe" => new WeChatEncryption(key, OnlyEncrypted: true),
            "compatible" => new WeChatEncryption(key, OnlyEncrypted: false),
            _ => throw EndpointsYaml.Error(file, values["encryption_mode"].Node.Start,
                $"wechat encryption_mode '{mode}' must be safe (安全模式) or compatible (兼容模式); plaintext mode (明文模式) leaves out encoding_aes_key"),
        };
    }

    private static WeComSettings? ParseWeCom(string yaml, string file)
    {
        if (Section(yaml, file, "wecom") is not { } section)
            return null;
        var v = Values(section, file, "wecom", ["corp_id", "agent_id", "secret", "token", "encoding_aes_key", "api_url", .. RateLimit.Keys]);
        const string forReplies = "wecom (replies go through the message API)";
        const string forCallback = "wecom (the callback's messages are signed and encrypted with it)";
        var corpId = Required(v, "corp_id", section, file, "wecom (the encrypted messages name it)");
        Required(v, "agent_id", section, file, forReplies);
        var agentId = Number(v["agent_id"], file, "wecom agent_id", 0, int.MaxValue);
        var secret = Required(v, "secret", section, file, forReplies);
        var token = Required(v, "token", section, file, forCallback);
        var key = Required(v, "encoding_aes_key", section, file, forCallback);
        CheckEncodingAesKey(v, "wecom", file);
        return new WeComSettings(
            corpId,
            agentId,
            secret,
            token,
            key,
            v.ContainsKey("api_url") ? WithSlash(AbsoluteUrl(v, "api_url", section, file, "wecom")) : new Uri("https://qyapi.weixin.qq.com/"),
            RateLimit.Read(v, file, "wecom"));
    }

    /// <summary>The error at encoding_aes_key's value when it is not a 43-character EncodingAESKey.</summary>
    private static void CheckEncodingAesKey(Dictionary<string, (string? Value, YamlNode Node)> values, string section, string file)
    {
        var (key, node) = values["encoding_aes_key"];
        if (WeChatCrypto.DecodeKey(key ?? "") is null)
            throw EndpointsYaml.Error(file, node.Start, $"{section} encoding_aes_key is {key?.Length ?? 0} characters; it {WeChatCrypto.KeyRule}");
    }

    /// <summary>The base ends in '/', so that relative paths (cgi-bin/...) keep a path prefix (a proxy's).</summary>
    private static Uri WithSlash(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url + "/");
}

/// <summary>
/// A WeChat Official Account's safe or compatible mode (安全模式/兼容模式): messages carry an Encrypt value
/// (<see cref="WeChatCrypto"/>). <paramref name="OnlyEncrypted"/> (safe mode) refuses plaintext messages, whose body no
/// signature covers; compatible mode takes both.
/// </summary>
public sealed record WeChatEncryption(string EncodingAesKey, bool OnlyEncrypted);

/// <summary>
/// A WeCom (企业微信) self-built application: its callback (接收消息, https://developer.work.weixin.qq.com/document/path/90238)
/// and the message API (https://developer.work.weixin.qq.com/document/path/90236). <paramref name="ApiUrl"/> is the base of
/// /cgi-bin/gettoken and /cgi-bin/message/send.
/// </summary>
public sealed record WeComSettings(string CorpId, int AgentId, string Secret, string Token, string EncodingAesKey, Uri ApiUrl, RateLimit RateLimit);
