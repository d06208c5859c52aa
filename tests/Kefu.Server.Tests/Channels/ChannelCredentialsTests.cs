using Kefu.Projects;
using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

public sealed class ChannelCredentialsTests
{
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
    [InlineData("wechat:\n  token: t\n  app_id: wx1\n  app_secret: s\n  encoding_aes_key: abc\n", 5, 21, "does not decrypt WeChat's safe (AES) mode yet")]
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
