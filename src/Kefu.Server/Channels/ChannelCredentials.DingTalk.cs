namespace Kefu.Server.Channels;

/// <summary>
/// credentials.yml's `dingtalk:` (Kefu's channel; Rasa has none), docs/channels.md:
/// <code>
/// dingtalk:
///   app_key: "dingxxxxxxxx"             # optional: read, not used by the HTTP callback
///   app_secret: ${DINGTALK_APP_SECRET}  # signs every callback
///   api_url: "https://oapi.dingtalk.com" # optional: the only host replies (sessionWebhook) are sent to
/// </code>
/// </summary>
public sealed partial record ChannelSettings
{
    public DingTalkSettings? DingTalk { get; init; }

    private static DingTalkSettings? ParseDingTalk(string yaml, string file)
    {
        if (Section(yaml, file, "dingtalk") is not { } d)
            return null;
        var v = Values(d, file, "dingtalk", ["app_key", "app_secret", "api_url", .. RateLimit.Keys]);
        return new DingTalkSettings(
            Optional(v, "app_key"),
            Required(v, "app_secret", d, file, "dingtalk (callbacks are verified with it)"),
            v.ContainsKey("api_url") ? AbsoluteUrl(v, "api_url", d, file, "dingtalk") : new Uri("https://oapi.dingtalk.com"),
            RateLimit.Read(v, file, "dingtalk"));
    }
}

/// <summary>
/// A DingTalk enterprise-internal robot with HTTP callback (钉钉企业内部机器人, outgoing). <paramref name="AppSecret"/> signs
/// the callbacks; replies go only to a sessionWebhook on <paramref name="ApiUrl"/>'s scheme, host and port.
/// </summary>
public sealed record DingTalkSettings(string? AppKey, string AppSecret, Uri ApiUrl, RateLimit RateLimit);
