using System.Net;
using System.Text.RegularExpressions;
using Kefu.Server.Routes;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Browser;

/// <summary>Issue 18.3: the one-line embed on another site's page, the chat in its frame, agent messages over the event stream.</summary>
public sealed partial class EmbedBrowserTests(EmbedFixture fixture) : IClassFixture<EmbedFixture>
{
    private const string PollRoute = "/webhooks/rest/conversations/{sender}/messages";

    private IWebDriver Driver => fixture.Driver;

    [BrowserFact]
    public async Task The_launcher_opens_the_chat_on_another_site_and_an_agent_message_arrives_without_polling()
    {
        var streams = fixture.Services.GetRequiredService<ChannelEventStreams>();
        var opened = streams.Opened;
        var polls = await PollsAsync();

        Driver.Navigate().GoToUrl(new Uri(fixture.Shop, "shop"));
        var launcher = Driver.Until(d => d.FindElements(By.Id("kefu-embed-launcher")).FirstOrDefault())!;
        Assert.Equal("rgba(0, 170, 119, 1)", launcher.GetCssValue("background-color"));
        launcher.Click();
        Driver.SwitchTo().Frame(Driver.Until(d => d.FindElements(By.Id("kefu-embed-frame")).FirstOrDefault())!);
        try
        {
            Driver.Until(d => d.FindElements(By.Id("input")).Count == 1);
            Assert.Equal(EmbedFixture.Title, Driver.FindElement(By.CssSelector(".chat-header h1")).Text);
            Driver.Until(d => d.Texts(".row.notice .bubble").Contains(EmbedFixture.Greeting));

            Driver.Send("你好");
            Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 你好"));
            var sender = Driver.Stored("kefu.sender")!;
            Driver.Until(_ => streams.Opened > opened);

            var response = await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/messages",
                Http.Json(Http.Serialize(new { sender = "agent", agent = "小王", text = "您好，我是小王" })));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Driver.Until(d => d.Texts(".row.agent .bubble").Contains("您好，我是小王"));
            Assert.Empty(Driver.ConsoleErrors());
        }
        finally
        {
            Driver.SwitchTo().DefaultContent();
        }
        Assert.Equal(polls, await PollsAsync());
        await fixture.Api.GetAsync("/webhooks/rest/conversations/probe/messages");
        Assert.Equal(polls + 1, await PollsAsync());   // the count above is of the right route
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
