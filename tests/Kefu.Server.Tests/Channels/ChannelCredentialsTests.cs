using Kefu.Projects;
using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

public sealed class ChannelCredentialsTests
{
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    [Fact]
    public void Wechat_encryption_and_wecom_are_read()
    {
        var channels = ChannelSettings.Parse($"""
            wechat:
              token: wt
              app_id: wx1
              app_secret: as
              encoding_aes_key: {AesKey}
              encryption_mode: compatible
            wecom:
              corp_id: ww1
              agent_id: 1000002
              secret: cs
              token: ct
              encoding_aes_key: {AesKey}
              api_url: http://127.0.0.1:7100/proxy
              rate_limit_per_minute: 5
            """, "credentials.yml");

        Assert.Equal(new WeChatEncryption(AesKey, OnlyEncrypted: false), channels.WeChat!.Encryption);
        Assert.Equal(new WeComSettings("ww1", 1000002, "cs", "ct", AesKey, new Uri("http://127.0.0.1:7100/proxy/"), new RateLimit(RateLimit.Default.Burst, 5)), channels.WeCom);
        Assert.True(channels.Any);
        var safe = ChannelSettings.Parse($"wechat:\n  token: t\n  app_id: wx1\n  app_secret: s\n  encoding_aes_key: {AesKey}\n", "credentials.yml");
        Assert.Equal(new WeChatEncryption(AesKey, OnlyEncrypted: true), safe.WeChat!.Encryption);
        Assert.Equal(new Uri("https://qyapi.weixin.qq.com/"), ChannelSettings.Parse(
            $"wecom:\n  corp_id: c\n  agent_id: 1\n  secret: s\n  token: t\n  encoding_aes_key: {AesKey}\n", "credentials.yml").WeCom!.ApiUrl);
    }

    [Fact]
    public void Rasa_keys_of_callback_telegram_and_slack_are_read_with_the_environment()
    {
        var variable = "KEFU_TEST_SLACK_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            var channels = ChannelSettings.Parse($$"""
                rest:
                callback:
                  url: "http://localhost:5034/bot"
                telegram:
                  access_token: "123:ABC"
                  verify: "shop_bot"
                  webhook_url: "https://kefu.example.com/webhooks/telegram/webhook"
                  secret_token: "s-1_x"
                  rate_limit_burst: 3
                slack:
                  slack_token: "xoxb-1"
                  slack_signing_secret: ${{{variable}}}
                  slack_channel: "C01"
                wechat:
                  token: wt
                  app_id: wx1
                  app_secret: as
                facebook:
                  verify: v
                """, "credentials.yml");

            Assert.Equal(new Uri("http://localhost:5034/bot"), channels.Callback!.Url);
            var telegram = channels.Telegram!;
            Assert.Equal(("123:ABC", "shop_bot", "s-1_x", new Uri("https://api.telegram.org")), (telegram.AccessToken, telegram.Verify, telegram.SecretToken, telegram.ApiUrl));
            Assert.Equal(new RateLimit(3, RateLimit.Default.PerMinute), telegram.RateLimit);
            Assert.Equal(("wt", "wx1", "as", new Uri("https://api.weixin.qq.com/")), (channels.WeChat!.Token, channels.WeChat.AppId, channels.WeChat.AppSecret, channels.WeChat.ApiUrl));
            Assert.Equal(("xoxb-1", "s3cret", "C01", new Uri("https://slack.com/api/")), (channels.Slack!.Token, channels.Slack.SigningSecret, channels.Slack.Channel, channels.Slack.ApiUrl));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("callback:\n  url: http://x/bot\n  retries: 3\n", 3, 3, "callback: key 'retries' is not read by Kefu")]
    [InlineData("telegram:\n  verify: bot\n", 2, 3, "telegram needs `access_token`")]
    [InlineData("slack:\n  slack_token: x\n", 2, 3, "needs `slack_signing_secret`")]
    [InlineData("callback:\n  url: not a url\n", 2, 8, "callback url 'not a url' is not an http or https URL")]
    [InlineData("telegram:\n  access_token: t\n  secret_token: \"a b\"\n", 3, 17, "secret_token must be 1-256 characters")]
    [InlineData("slack:\n  slack_token: x\n  slack_signing_secret: y\n  rate_limit_burst: 0\n", 4, 21, "rate_limit_burst '0' must be a whole number from 1")]
    [InlineData("telegram: yes\n", 1, 11, "telegram must be a mapping")]
    [InlineData("wechat:\n  token: t\n  app_id: wx1\n  app_secret: s\n  encoding_aes_key: abc\n", 5, 21, "wechat encoding_aes_key is 3 characters; it must be the 43 characters")]
    [InlineData("wechat:\n  token: t\n  app_id: wx1\n  app_secret: s\n  encryption_mode: safe\n", 5, 20, "wechat encryption_mode needs `encoding_aes_key`")]
    [InlineData("wechat:\n  token: t\n  app_id: wx1\n  app_secret: s\n  encoding_aes_key: " + AesKey + "\n  encryption_mode: strict\n", 6, 20, "encryption_mode 'strict' must be safe")]
    [InlineData("wecom:\n  corp_id: ww1\n  agent_id: 1000002\n  secret: s\n  token: t\n  encoding_aes_key: " + AesKey + "x\n", 6, 21, "wecom encoding_aes_key is 44 characters")]
    [InlineData("wecom:\n  corp_id: ww1\n  agent_id: one\n", 3, 13, "wecom agent_id 'one' must be a whole number")]
    [InlineData("wecom:\n  corp_id: ww1\n  agent_id: 1\n  token: t\n", 2, 3, "wecom (replies go through the message API) needs `secret`")]
    [InlineData("wecom:\n  corp_id: ww1\n  agent_id: 1\n  secret: s\n  token: t\n", 2, 3, "needs `encoding_aes_key`")]
    [InlineData("wecom:\n  corpid: ww1\n", 2, 3, "wecom: key 'corpid' is not read by Kefu")]
    [InlineData("wechat:\n  token: t\n", 2, 3, "wechat (replies after 5 s go through the customer-service message API) needs `app_id`")]
    [InlineData("slack:\n  slack_token: [x\n", 3, 1, "credentials.yml is not valid YAML")]
    public void Bad_keys_are_errors_at_file_line_column(string yaml, int line, int column, string message)
    {
        var error = Assert.Throws<ProjectException>(() => ChannelSettings.Parse(yaml, "/bots/shop/credentials.yml"));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal(new SourceLocation("/bots/shop/credentials.yml", line, column), diagnostic.Location);
    }

    [Fact]
    public void A_project_without_credentials_has_no_channels()
    {
        var empty = Directory.CreateTempSubdirectory("kefu-credentials-");
        try
        {
            Assert.Same(ChannelSettings.None, ChannelSettings.Load(empty.FullName));
            File.WriteAllText(Path.Combine(empty.FullName, "credentials.yml"), "rest:\n");
            Assert.False(ChannelSettings.Load(empty.FullName).Any);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
