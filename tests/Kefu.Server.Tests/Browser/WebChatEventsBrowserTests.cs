using System.Net;
using System.Text.RegularExpressions;
using Kefu.Server.Routes;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Browser;

/// <summary>Agent messages reach the web chat over the event stream (chat-updates.js), not the poll.</summary>
public sealed partial class WebChatEventsBrowserTests(WebChatFixture fixture) : IClassFixture<WebChatFixture>
{
    private const string PollRoute = "/webhooks/rest/conversations/{sender}/messages";

    private IWebDriver Driver => fixture.Driver;

    [BrowserFact]
    public async Task An_agent_message_arrives_over_the_event_stream_and_the_page_does_not_poll()
    {
        var streams = fixture.Services.GetRequiredService<ChannelEventStreams>();
        var opened = streams.Opened;
        var polls = await PollsAsync();

        fixture.OpenFreshPage();
        Driver.Send("你好");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 你好"));
        var sender = Driver.Stored("kefu.sender")!;
        Driver.Until(_ => streams.Opened > opened);

        var response = await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/messages",
            Http.Json(Http.Serialize(new { sender = "agent", agent = "小王", text = "您好，我是小王" })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Driver.Until(d => d.Texts(".row.agent .bubble").Contains("您好，我是小王"));
        // The reply's bot message got its event index from the stream too: its 👍 is enabled.
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.up")).Any(b => b.Enabled));

        Assert.Equal(polls, await PollsAsync());
        Assert.Empty(fixture.ConsoleErrors());
        // The count above is of the right route: a poll shows in it.
        await fixture.Api.GetAsync("/webhooks/rest/conversations/probe/messages");
        Assert.Equal(polls + 1, await PollsAsync());
    }

    [BrowserFact]
    public async Task Where_streams_cannot_get_through_the_page_polls_and_the_agent_message_still_arrives()
    {
        var cdp = (OpenQA.Selenium.Chromium.ChromiumDriver)Driver;
        cdp.ExecuteCdpCommand("Network.enable", []);
        // A network (or proxy) that breaks event streams: each attempt fails before the stream opens.
        cdp.ExecuteCdpCommand("Network.setBlockedURLs", new() { ["urls"] = new[] { "*/events*" } });
        try
        {
            var polls = await PollsAsync();
            fixture.OpenFreshPage();
            Driver.Send("你好");
            Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 你好"));
            var sender = Driver.Stored("kefu.sender")!;

            var response = await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/messages",
                Http.Json(Http.Serialize(new { sender = "agent", agent = "小李", text = "轮询也能收到" })));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Driver.Until(d => d.Texts(".row.agent .bubble").Contains("轮询也能收到"));
            Assert.True(await PollsAsync() > polls);
        }
        finally
        {
            cdp.ExecuteCdpCommand("Network.setBlockedURLs", new() { ["urls"] = Array.Empty<string>() });
            Driver.Navigate().GoToUrl("about:blank");   // no page left polling into the other test's count
        }
    }

    /// <summary>GET requests the poll route has answered (kefu_http_requests_total).</summary>
    private async Task<long> PollsAsync()
    {
        var text = await fixture.Api.GetStringAsync("/metrics");
        return MetricLine().Matches(text)
            .Where(m => m.Groups["labels"].Value.Contains($"route=\"{PollRoute}\"", StringComparison.Ordinal)
                        && m.Groups["labels"].Value.Contains("method=\"GET\"", StringComparison.Ordinal))
            .Sum(m => long.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^kefu_http_requests_total\{(?<labels>.*)\} (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
