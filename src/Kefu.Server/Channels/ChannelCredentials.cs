using System.Globalization;
using Kefu.Projects;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Channels;

/// <summary>
/// credentials.yml's channels that Kefu serves, with Rasa's keys, read when the server starts (docs/channels.md):
/// <code>
/// callback:                         # rasa/core/channels/callback.py
///   url: "https://crm.example.com/bot"
/// telegram:                         # rasa/core/channels/telegram.py
///   access_token: "123:ABC"
///   verify: "my_shop_bot"
///   webhook_url: "https://kefu.example.com/webhooks/telegram/webhook"
///   secret_token: ${TELEGRAM_SECRET}  # Kefu's key: Telegram's X-Telegram-Bot-Api-Secret-Token
/// slack:                            # rasa/core/channels/slack.py
///   slack_token: "xoxb-..."
///   slack_signing_secret: "..."
///   slack_channel: "C0123"          # optional: where replies go when a request names no channel (as Rasa)
/// wechat:                           # Kefu's channel (Rasa has none): a WeChat Official Account
///   token: ${WECHAT_TOKEN}          # the server configuration's Token
///   app_id: "wx..."
///   app_secret: ${WECHAT_APP_SECRET}
///   encoding_aes_key: ${WECHAT_AES_KEY}  # safe or compatible mode (encryption_mode: safe, the default, or compatible)
/// wecom: ...                        # Kefu's channel: WeCom application messages (ChannelSettings.WeCom.cs)
/// </code>
/// Every channel also takes Kefu's `api_url` (the platform's API base, for a proxy or a test stand-in; not callback) and
/// `rate_limit_burst` / `rate_limit_per_minute`. `${VAR}` reads the environment. An unknown key, a missing required key or
/// a bad value is an error at file:line:column; channels Kefu does not serve are warned about when the project loads
/// (ServiceFilesReader) and are not read here.
/// </summary>
public sealed partial record ChannelSettings(CallbackSettings? Callback, TelegramSettings? Telegram, SlackSettings? Slack)
{
    public static ChannelSettings None { get; } = new(null, null, null);

    public WeChatSettings? WeChat { get; init; }

    public global::Kefu.Server.Channels.SocketIO.SocketIOSettings? SocketIO { get; init; }

    /// <summary>How replies are sent: per-attempt timeout and the waits before each retry (their count is the retries).</summary>
    public DeliveryPolicy Delivery { get; init; } = DeliveryPolicy.Default;

    /// <summary>How many platform message ids each channel remembers to drop redelivered updates (per process).</summary>
    public int RecentIdCapacity { get; init; } = 10_000;

    public bool Any => Callback is not null || Telegram is not null || Slack is not null || WeChat is not null
        || WeCom is not null || Feishu is not null || DingTalk is not null || SocketIO is not null;

    /// <summary>Reads DIR/credentials.yml (or .yaml); <see cref="None"/> when absent.</summary>
    public static ChannelSettings Load(string projectDirectory)
    {
        var path = new[] { "credentials.yml", "credentials.yaml" }.Select(n => Path.Combine(projectDirectory, n)).FirstOrDefault(File.Exists);
        return path is null ? None : Parse(File.ReadAllText(path), path);
    }

    public static ChannelSettings Parse(string yaml, string file)
    {
        CallbackSettings? callback = null;
        if (Section(yaml, file, "callback") is { } c)
        {
            var v = Values(c, file, "callback", ["url", .. RateLimit.Keys]);
            callback = new CallbackSettings(AbsoluteUrl(v, "url", c, file, "callback"), RateLimit.Read(v, file, "callback"));
        }
        TelegramSettings? telegram = null;
        if (Section(yaml, file, "telegram") is { } t)
        {
            var v = Values(t, file, "telegram", ["access_token", "verify", "webhook_url", "secret_token", "api_url", .. RateLimit.Keys]);
            var secret = Optional(v, "secret_token");
            if (secret is not null && (secret.Length > 256 || !secret.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-')))
                throw EndpointsYaml.Error(file, v["secret_token"].Node.Start,
                    "telegram secret_token must be 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule for setWebhook's secret_token)");
            telegram = new TelegramSettings(
                Required(v, "access_token", t, file, "telegram"),
                Optional(v, "verify"),
                v.ContainsKey("webhook_url") ? AbsoluteUrl(v, "webhook_url", t, file, "telegram") : null,
                secret,
                v.ContainsKey("api_url") ? AbsoluteUrl(v, "api_url", t, file, "telegram") : new Uri("https://api.telegram.org"),
                RateLimit.Read(v, file, "telegram"));
        }
        SlackSettings? slack = null;
        if (Section(yaml, file, "slack") is { } s)
        {
            var v = Values(s, file, "slack", ["slack_token", "slack_signing_secret", "slack_channel", "api_url", .. RateLimit.Keys]);
            slack = new SlackSettings(
                Required(v, "slack_token", s, file, "slack"),
                Required(v, "slack_signing_secret", s, file, "slack (requests are verified with it)"),
                Optional(v, "slack_channel"),
                v.ContainsKey("api_url") ? AbsoluteUrl(v, "api_url", s, file, "slack") : new Uri("https://slack.com/api/"),
                RateLimit.Read(v, file, "slack"));
        }
        WeChatSettings? wechat = null;
        if (Section(yaml, file, "wechat") is { } w)
        {
            var v = Values(w, file, "wechat", ["token", "app_id", "app_secret", "encoding_aes_key", "encryption_mode", "api_url", .. RateLimit.Keys]);
            wechat = new WeChatSettings(
                Required(v, "token", w, file, "wechat"),
                Required(v, "app_id", w, file, "wechat (replies after 5 s go through the customer-service message API)"),
                Required(v, "app_secret", w, file, "wechat (replies after 5 s go through the customer-service message API)"),
                v.ContainsKey("api_url") ? AbsoluteUrl(v, "api_url", w, file, "wechat") : new Uri("https://api.weixin.qq.com/"),
                RateLimit.Read(v, file, "wechat")) with { Encryption = WeChatEncryptionSettings(v, file) };
        }
        return new ChannelSettings(callback, telegram, slack)
        {
            WeChat = wechat, WeCom = ParseWeCom(yaml, file), Feishu = ParseFeishu(yaml, file), DingTalk = ParseDingTalk(yaml, file),
            SocketIO = global::Kefu.Server.Channels.SocketIO.SocketIOSettings.Parse(yaml, file),
        };
    }

    private static YamlMappingNode? Section(string yaml, string file, string name) => EndpointsYaml.Section(yaml, file, name) switch
    {
        null => null,
        YamlMappingNode map => map,
        var node => throw EndpointsYaml.Error(file, node.Start, $"{name} must be a mapping of its keys, e.g. `{name}:` then indented `key: value` lines"),
    };

    internal static Dictionary<string, (string? Value, YamlNode Node)> Values(YamlMappingNode map, string file, string section, string[] known)
    {
        var values = new Dictionary<string, (string?, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, _) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(key))
                throw EndpointsYaml.Error(file, keyNode.Start,
                    $"{section}: key '{key}' is not read by Kefu (known: {string.Join(", ", known)}); docs/channels.md lists what each does");
            var scalar = EndpointsYaml.Scalar(map, key, file, section)!;
            values[key] = (EndpointsYaml.Substitute(scalar, file), scalar);
        }
        return values;
    }

    private static string? Optional(Dictionary<string, (string? Value, YamlNode Node)> values, string key) =>
        values.TryGetValue(key, out var v) && v.Value is { Length: > 0 } text ? text : null;

    private static string Required(Dictionary<string, (string? Value, YamlNode Node)> values, string key, YamlNode section, string file, string what) =>
        Optional(values, key) ?? throw EndpointsYaml.Error(file, section.Start, $"{what} needs `{key}`");

    private static Uri AbsoluteUrl(Dictionary<string, (string? Value, YamlNode Node)> values, string key, YamlNode section, string file, string what)
    {
        var text = Required(values, key, section, file, what);
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
            : throw EndpointsYaml.Error(file, values[key].Node.Start, $"{what} {key} '{text}' is not an http or https URL");
    }

    internal static int Number((string? Value, YamlNode Node) value, string file, string what, int min, int max) =>
        int.TryParse(value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
        : throw EndpointsYaml.Error(file, value.Node.Start, $"{what} '{value.Value}' must be a whole number from {min} to {max}");
}

/// <summary>Rasa's callback channel: the user posts to Kefu, the bot's messages are posted to <paramref name="Url"/>.</summary>
public sealed record CallbackSettings(Uri Url, RateLimit RateLimit);

/// <summary>Telegram Bot API (https://core.telegram.org/bots/api). <paramref name="ApiUrl"/> is the base before /bot{token}/.</summary>
public sealed record TelegramSettings(string AccessToken, string? Verify, Uri? WebhookUrl, string? SecretToken, Uri ApiUrl, RateLimit RateLimit);

/// <summary>Slack Events API and Web API (https://api.slack.com/apis/events-api). <paramref name="ApiUrl"/> ends in /api/.</summary>
public sealed record SlackSettings(string Token, string SigningSecret, string? Channel, Uri ApiUrl, RateLimit RateLimit);

/// <summary>
/// A WeChat Official Account (https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html).
/// <paramref name="ApiUrl"/> is the base of /cgi-bin/token and /cgi-bin/message/custom/send.
/// </summary>
public sealed record WeChatSettings(string Token, string AppId, string AppSecret, Uri ApiUrl, RateLimit RateLimit)
{
    /// <summary>Plaintext mode unless encoding_aes_key is given (WeChatEncryption).</summary>
    public WeChatEncryption? Encryption { get; init; }

    /// <summary>How long a turn may take to be answered in the request (WeChat waits 5 s); after it, the reply goes through the API.</summary>
    public TimeSpan PassiveWindow { get; init; } = TimeSpan.FromSeconds(4.5);
}

/// <summary>Per-sender token bucket: <paramref name="Burst"/> messages at once, refilled at <paramref name="PerMinute"/>.</summary>
public sealed record RateLimit(int Burst, int PerMinute)
{
    public static RateLimit Default { get; } = new(10, 30);

    internal static readonly string[] Keys = ["rate_limit_burst", "rate_limit_per_minute"];

    internal static RateLimit Read(Dictionary<string, (string? Value, YamlNode Node)> values, string file, string section) => new(
        values.TryGetValue("rate_limit_burst", out var burst) ? ChannelSettings.Number(burst, file, $"{section} rate_limit_burst", 1, 10_000) : Default.Burst,
        values.TryGetValue("rate_limit_per_minute", out var perMinute) ? ChannelSettings.Number(perMinute, file, $"{section} rate_limit_per_minute", 1, 60_000) : Default.PerMinute);
}

/// <summary>Reply delivery: each attempt's timeout, then one retry after each wait (on a network error, a timeout, 429 or 5xx).</summary>
public sealed record DeliveryPolicy(TimeSpan AttemptTimeout, IReadOnlyList<TimeSpan> RetryWaits)
{
    public static DeliveryPolicy Default { get; } = new(TimeSpan.FromSeconds(10), [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15)]);
}
