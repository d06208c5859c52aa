using System.Text.Json;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Browser;

/// <summary>The web chat's 👍/👎 under bot messages and its rating card, in headless Chromium against the echo bot (docs/feedback.md).</summary>
public sealed class WebChatFeedbackBrowserTests(WebChatFixture fixture) : IClassFixture<WebChatFixture>
{
    private IWebDriver Driver => fixture.Driver;

    [BrowserFact]
    public async Task A_thumbs_up_and_four_stars_are_stored_as_events_of_the_conversation()
    {
        fixture.OpenFreshPage();
        Driver.Send("我想查一下订单");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 我想查一下订单"));

        // Enabled once the poll has given the message's index.
        var up = Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.up")) is [{ Enabled: true } found] ? found : null)!;
        var down = Driver.FindElement(By.CssSelector(".row.bot .thumb.down"));
        Assert.Equal("有帮助", up.GetAttribute("aria-label"));
        Assert.Equal("没帮助", down.GetAttribute("aria-label"));
        up.Click();
        Driver.Until(d => d.FindElement(By.CssSelector(".row.bot .thumb.up")).GetAttribute("aria-pressed") == "true");
        Assert.Equal("false", down.GetAttribute("aria-pressed"));

        Driver.FindElement(By.Id("end")).Click();
        var stars = Driver.Until(d => d.FindElements(By.CssSelector(".rating-card .star")) is { Count: 5 } found ? found : null)!;
        Assert.Equal("1 星", stars[0].GetAttribute("aria-label"));
        stars[3].Click();
        Assert.Equal([3], stars.Select((s, i) => (Pressed: s.GetAttribute("aria-pressed"), i)).Where(x => x.Pressed == "true").Select(x => x.i));
        Driver.FindElement(By.CssSelector(".rating-card .comment")).SendKeys("回复很快 <b>赞</b>");
        Driver.FindElement(By.CssSelector(".rating-card .submit")).Click();
        Driver.Until(d => d.Texts(".rating-card .rating-status").Contains("感谢您的评价！"));

        var sender = Driver.Stored("kefu.sender")!;
        var tracker = await fixture.Api.GetAsync($"/conversations/{Uri.EscapeDataString(sender)}/tracker");
        var events = JsonDocument.Parse(await tracker.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["user", "bot", "feedback", "rating"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(1, events[2].GetProperty("message_index").GetInt32());
        Assert.Equal("up", events[2].GetProperty("value").GetString());
        Assert.Equal(4, events[3].GetProperty("stars").GetInt32());
        Assert.Equal("回复很快 <b>赞</b>", events[3].GetProperty("comment").GetString());

        // A reload shows the vote and the rating as they were; the comment stays text.
        Driver.Navigate().Refresh();
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.up[aria-pressed='true']")).Count == 1);
        Assert.Equal(4, Driver.FindElements(By.CssSelector(".rating-card .star.on")).Count);
        Assert.Equal("回复很快 <b>赞</b>", Driver.FindElement(By.CssSelector(".rating-card .comment")).GetAttribute("value"));
        Assert.Empty(Driver.FindElements(By.CssSelector(".rating-card b")));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public async Task Thumbs_take_the_keyboard_and_a_changed_vote_is_stored_again()
    {
        fixture.OpenFreshPage();
        Driver.Send("第一条");
        Driver.Send("第二条");
        var downs = Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.down")) is { Count: 2 } found && found.All(b => b.Enabled) ? found : null)!;

        downs[1].SendKeys(Keys.Space);
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.down"))[1].GetAttribute("aria-pressed") == "true");
        Driver.FindElements(By.CssSelector(".row.bot .thumb.up"))[1].SendKeys(Keys.Enter);
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.up"))[1].GetAttribute("aria-pressed") == "true");

        var sender = Driver.Stored("kefu.sender")!;
        var tracker = await fixture.Api.GetAsync($"/conversations/{Uri.EscapeDataString(sender)}/tracker");
        var votes = JsonDocument.Parse(await tracker.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("event").GetString() == "feedback")
            .Select(e => (e.GetProperty("message_index").GetInt32(), e.GetProperty("value").GetString())).ToList();
        // the echo bot's events: user 0, bot 1, user 2, bot 3
        Assert.Equal([(3, "down"), (3, "up")], votes);
        Assert.Equal("false", Driver.FindElements(By.CssSelector(".row.bot .thumb.down"))[1].GetAttribute("aria-pressed"));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void Ending_a_chat_that_has_not_started_asks_for_no_rating()
    {
        fixture.OpenFreshPage();

        Driver.FindElement(By.Id("end")).Click();

        Driver.Until(d => d.Texts(".row.notice .bubble").Contains("对话还没有开始，暂时无法评价"));
        Assert.Empty(Driver.FindElements(By.CssSelector(".rating-card")));
    }
}
