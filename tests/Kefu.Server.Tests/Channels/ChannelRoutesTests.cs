using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

public sealed class ChannelRoutesTests
{
    [Fact]
    public async Task Every_configured_channel_has_its_routes_in_the_openapi_document_and_answers_its_health_check()
    {
        var api = new Uri("http://127.0.0.1:9/");
        var channels = ChannelSettings.None with
        {
            Callback = new CallbackSettings(new Uri(api, "bot"), RateLimit.Default),
            Telegram = new TelegramSettings("1:A", null, null, "s", api, RateLimit.Default),
            Slack = new SlackSettings("xoxb", "secret", null, api, RateLimit.Default),
            WeChat = new WeChatSettings("t", "wx", "s", api, RateLimit.Default),
        };
        await using var host = await ChannelHost.StartAsync(channels);

        var document = await (await host.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var channel in new[] { "callback", "telegram", "slack", "wechat" })
        {
            Assert.True(paths.GetProperty($"/webhooks/{channel}/webhook").TryGetProperty("post", out _), channel);
            var health = await host.Client.GetAsync($"/webhooks/{channel}/");
            Assert.Equal("ok", (await health.ReadJsonAsync()).GetProperty("status").GetString());
        }
        Assert.True(paths.GetProperty("/webhooks/wechat/webhook").TryGetProperty("get", out _));
    }
}
