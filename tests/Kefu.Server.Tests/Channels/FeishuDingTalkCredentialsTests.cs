using Kefu.Projects;
using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

public sealed class FeishuDingTalkCredentialsTests
{
    [Fact]
    public void Feishu_and_dingtalk_keys_are_read_with_the_environment_and_defaults()
    {
        var variable = "KEFU_TEST_FEISHU_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "fs3cret");
        try
        {
            var channels = ChannelSettings.Parse($$"""
                rest:
                feishu:
                  app_id: cli_a1
                  app_secret: ${{{variable}}}
                  verification_token: vt
                  encrypt_key: ek
                  api_url: https://open.larksuite.com
                  rate_limit_per_minute: 12
                dingtalk:
                  app_key: dingk
                  app_secret: ds
                """, "credentials.yml");

            var feishu = channels.Feishu!;
            Assert.Equal(("cli_a1", "fs3cret", "vt", "ek"), (feishu.AppId, feishu.AppSecret, feishu.VerificationToken, feishu.EncryptKey));
            Assert.Equal(new Uri("https://open.larksuite.com/"), feishu.ApiUrl);
            Assert.Equal(new RateLimit(RateLimit.Default.Burst, 12), feishu.RateLimit);
            Assert.Equal(("dingk", "ds", new Uri("https://oapi.dingtalk.com/")), (channels.DingTalk!.AppKey, channels.DingTalk.AppSecret, channels.DingTalk.ApiUrl));
            Assert.True(channels.Any);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Optional_keys_default_and_a_proxy_prefix_of_api_url_is_kept()
    {
        var channels = ChannelSettings.Parse("feishu:\n  app_id: a\n  app_secret: s\n  verification_token: t\n  api_url: https://proxy.example.com/feishu\n", "credentials.yml");

        Assert.Null(channels.Feishu!.EncryptKey);
        Assert.Equal(new Uri("https://proxy.example.com/feishu/open-apis/im/v1/messages"), new Uri(channels.Feishu.ApiUrl, "open-apis/im/v1/messages"));
        Assert.Equal(new Uri("https://open.feishu.cn/"), ChannelSettings.Parse("feishu:\n  app_id: a\n  app_secret: s\n  verification_token: t\n", "c.yml").Feishu!.ApiUrl);
        Assert.Null(ChannelSettings.Parse("dingtalk:\n  app_secret: s\n", "c.yml").DingTalk!.AppKey);
    }

    [Theory]
    [InlineData("feishu:\n  app_id: a\n  app_secret: s\n", 2, 3, "feishu (every event carries it) needs `verification_token`")]
    [InlineData("feishu:\n  app_secret: s\n  verification_token: t\n", 2, 3, "needs `app_id`")]
    [InlineData("feishu:\n  app_id: a\n  app_secret: s\n  verification_token: t\n  encrypt: x\n", 5, 3, "feishu: key 'encrypt' is not read by Kefu")]
    [InlineData("feishu:\n  app_id: a\n  app_secret: s\n  verification_token: t\n  api_url: open.feishu.cn\n", 5, 12, "feishu api_url 'open.feishu.cn' is not an http or https URL")]
    [InlineData("feishu: on\n", 1, 9, "feishu must be a mapping")]
    [InlineData("dingtalk:\n  app_key: k\n", 2, 3, "dingtalk (callbacks are verified with it) needs `app_secret`")]
    [InlineData("dingtalk:\n  app_secret: s\n  rate_limit_burst: many\n", 3, 21, "dingtalk rate_limit_burst 'many' must be a whole number")]
    [InlineData("dingtalk:\n  app_secret: s\n  robot_code: r\n", 3, 3, "dingtalk: key 'robot_code' is not read by Kefu")]
    [InlineData("dingtalk:\n  app_secret: [s\n", 3, 1, "credentials.yml is not valid YAML")]
    public void Bad_keys_are_errors_at_file_line_column(string yaml, int line, int column, string message)
    {
        var error = Assert.Throws<ProjectException>(() => ChannelSettings.Parse(yaml, "/bots/shop/credentials.yml"));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal(new SourceLocation("/bots/shop/credentials.yml", line, column), diagnostic.Location);
    }
}
