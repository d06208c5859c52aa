using Kefu.Projects;

namespace Kefu.Server.Channels;

/// <summary>
/// credentials.yml's `feishu:` (Kefu's channel; Rasa has none), docs/channels.md:
/// <code>
/// feishu:
///   app_id: "cli_a1b2c3"
///   app_secret: ${FEISHU_APP_SECRET}
///   verification_token: ${FEISHU_VERIFICATION_TOKEN}   # 事件与回调 → 加密策略 → Verification Token
///   encrypt_key: ${FEISHU_ENCRYPT_KEY}                 # optional: the same page's Encrypt Key
///   api_url: "https://open.larksuite.com"              # optional: Lark; https://open.feishu.cn by default
/// </code>
/// </summary>
public sealed partial record ChannelSettings
{
    public FeishuSettings? Feishu { get; init; }

    private static FeishuSettings? ParseFeishu(string yaml, string file)
    {
        if (Section(yaml, file, "feishu") is not { } f)
            return null;
        var v = Values(f, file, "feishu", ["app_id", "app_secret", "verification_token", "encrypt_key", "api_url", .. RateLimit.Keys]);
        var why = "feishu (replies go through the open platform's message API)";
        return new FeishuSettings(
            Required(v, "app_id", f, file, why),
            Required(v, "app_secret", f, file, why),
            Required(v, "verification_token", f, file, "feishu (every event carries it)"),
            Optional(v, "encrypt_key"),
            DirectoryUrl(v.ContainsKey("api_url") ? AbsoluteUrl(v, "api_url", f, file, "feishu") : new Uri("https://open.feishu.cn/")),
            RateLimit.Read(v, file, "feishu"));
    }

    /// <summary>The URL with a path that ends in '/', so that relative API paths resolve under it (a proxy's prefix is kept).</summary>
    private static Uri DirectoryUrl(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url.GetLeftPart(UriPartial.Path) + "/" + url.Query);
}

/// <summary>
/// A Feishu / Lark app's bot, events by HTTP callback (https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case).
/// <paramref name="ApiUrl"/> (ending in '/') is the base of /open-apis/; <paramref name="EncryptKey"/> null means events come in plain JSON.
/// </summary>
public sealed record FeishuSettings(string AppId, string AppSecret, string VerificationToken, string? EncryptKey, Uri ApiUrl, RateLimit RateLimit);
