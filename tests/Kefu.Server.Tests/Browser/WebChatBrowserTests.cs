using System.Net;
using Kefu.Server.Tests.Fakes;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;

namespace Kefu.Server.Tests.Browser;

/// <summary>The web chat at / in headless Chromium against the real server and the echo bot.</summary>
public sealed class WebChatBrowserTests(WebChatFixture fixture) : IClassFixture<WebChatFixture>
{
    // The typing indicator is a bot row too, while a reply is awaited.
    private const string BotBubbles = ".row.bot:not(.typing) .bubble";

    private IWebDriver Driver => fixture.Driver;

    [BrowserFact]
    public void Page_loads_with_its_greeting_and_no_console_errors()
    {
        fixture.OpenFreshPage();

        Assert.Equal("Kefu 客服", Driver.Title);
        Until(_ => Texts(".row.notice .bubble").Contains("您好！请问有什么可以帮您？"));
        // The first poll of a conversation not started yet has been answered (empty), without an error.
        Until(_ => Stored("kefu.cursor") == "0");
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void Enter_sends_the_message_and_shows_the_bot_reply()
    {
        fixture.OpenFreshPage();

        Type("你好，我想查一下订单");
        Driver.FindElement(By.Id("input")).SendKeys(Keys.Enter);

        Until(_ => Texts(BotBubbles).Contains("echo: 你好，我想查一下订单"));
        Assert.Equal(["你好，我想查一下订单"], Texts(".row.user .bubble"));
        Assert.Equal("", Driver.FindElement(By.Id("input")).GetAttribute("value"));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void A_grounded_answer_shows_its_sources_by_title_or_id()
    {
        fixture.OpenFreshPage();

        Send("/citations");
        Until(_ => Texts(BotBubbles).Any(t => t.StartsWith("满99元包邮 [1]。", StringComparison.Ordinal)));
        Assert.Equal(["配送 > 运费", "faq.yml#fee"], Texts(".row.bot .citations li"));
        Assert.Empty(Driver.FindElements(By.CssSelector(".row.bot pre")));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void Streamed_pieces_give_way_to_the_reply()
    {
        fixture.OpenFreshPage();

        Send("/stream");
        Until(_ => Texts(BotBubbles).Contains("查询完毕：订单已发货。"));
        Assert.Empty(Driver.FindElements(By.CssSelector(".row.draft")));
        Assert.DoesNotContain(Texts(BotBubbles), t => t.Contains("正在为您", StringComparison.Ordinal));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void Quick_reply_buttons_render_and_a_click_sends_the_payload()
    {
        fixture.OpenFreshPage();

        Send("/buttons");
        var buttons = Until(d => d.FindElements(By.CssSelector("#quick-replies button")) is { Count: 2 } found ? found : null)!;
        Assert.Equal(["查订单", "退货"], buttons.Select(b => b.Text));

        buttons[1].Click();

        // The bubble shows the button's title; the bot got its payload (and echoes it).
        Until(_ => Texts(BotBubbles).Contains("echo: /return"));
        Assert.Equal(["/buttons", "退货"], Texts(".row.user .bubble"));
        Assert.Empty(Driver.FindElements(By.CssSelector("#quick-replies button")));
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public async Task Agent_messages_and_the_hand_back_reach_the_page_by_polling()
    {
        fixture.OpenFreshPage();
        Send("我要投诉，快递三天没动了");
        Until(_ => Texts(BotBubbles).Count == 1);
        var sender = Stored("kefu.sender")!;

        await PostAgentMessageAsync(sender, "小王", "您好，我是人工客服小王，马上为您核实物流。");

        Until(_ => Texts(".row.agent .bubble").Contains("您好，我是人工客服小王，马上为您核实物流。"));
        Assert.Equal(["小王"], Texts(".agent-name .name"));
        Assert.Contains("小王", Driver.FindElement(By.Id("status")).Text);
        // The bot's reply to the first message came with the webhook's answer and is not shown twice.
        Assert.Single(Texts(BotBubbles));

        var handBack = await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/handback", null);
        Assert.Equal(HttpStatusCode.OK, handBack.StatusCode);

        Until(_ => Texts(BotBubbles).Contains(EchoChatService.HandBackText));
        Assert.Equal("在线 · 通常几秒内回复", Driver.FindElement(By.Id("status")).Text);
        Assert.Single(Texts(".row.agent .bubble"));

        // After a reload the transcript is back and the poll resumes from its cursor: nothing shown twice.
        Driver.Navigate().Refresh();
        await PostAgentMessageAsync(sender, "小李", "还有其他问题可以随时找我");
        Until(_ => Texts(".row.agent .bubble").Count == 2);
        Assert.Equal(["小王", "小李"], Texts(".agent-name .name"));
        Assert.Equal(2, Texts(BotBubbles).Count);
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public async Task Screenshots_of_a_chinese_conversation_with_an_agent()
    {
        fixture.OpenFreshPage();
        Send("你好，我昨天买的蓝牙耳机（订单号 20261121-8848）现在到哪里了？");
        Until(_ => Texts(BotBubbles).Count == 1);
        var sender = Stored("kefu.sender")!;
        await PostAgentMessageAsync(sender, "小王",
            "您好，我是人工客服小王 😊 您的订单 20261121-8848 已于今天上午从杭州仓发出，承运商是顺丰速运，预计明天（11月23日）18:00 前送达，请保持电话畅通。");
        Until(_ => Texts(".row.agent .bubble").Count == 1);
        await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/handback", null);
        Until(_ => Texts(BotBubbles).Count == 2);
        Send("/buttons");
        Until(d => d.FindElements(By.CssSelector("#quick-replies button")).Count == 2);

        var desktop = SaveScreenshot("webchat-desktop.png");
        Driver.Manage().Window.Size = new System.Drawing.Size(390, 844);
        var phone = SaveScreenshot("webchat-phone.png");
        Driver.Manage().Window.Size = new System.Drawing.Size(1000, 800);

        Assert.True(new FileInfo(desktop).Length > 0);
        Assert.True(new FileInfo(phone).Length > 0);
        Assert.Empty(fixture.ConsoleErrors());
    }

    private void Type(string text) => Driver.FindElement(By.Id("input")).SendKeys(text);

    private void Send(string text)
    {
        var before = Texts(".row.user .bubble").Count;
        Type(text);
        Driver.FindElement(By.Id("send")).Click();
        Until(_ => Texts(".row.user .bubble").Count == before + 1 && Driver.FindElement(By.Id("send")).Enabled);
    }

    private async Task PostAgentMessageAsync(string sender, string agent, string text)
    {
        var response = await fixture.Api.PostAsync($"/conversations/{Uri.EscapeDataString(sender)}/messages",
            Http.Json(Http.Serialize(new { sender = "agent", agent, text })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string? Stored(string key) =>
        ((IJavaScriptExecutor)Driver).ExecuteScript("return localStorage.getItem(arguments[0])", key) as string;

    /// <summary>The rendered text of the matching elements, read in one script so that none goes stale meanwhile.</summary>
    private List<string> Texts(string css) =>
        ((IReadOnlyCollection<object>)((IJavaScriptExecutor)Driver).ExecuteScript(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)", css)!).Cast<string>().ToList();

    private T Until<T>(Func<IWebDriver, T> condition) =>
        new WebDriverWait(Driver, TimeSpan.FromSeconds(10)).Until(condition);

    /// <summary>A PNG of the page in the test output folder (bin/.../screenshots), for a person to look at.</summary>
    private string SaveScreenshot(string file)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, file);
        ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(path);
        return path;
    }
}
