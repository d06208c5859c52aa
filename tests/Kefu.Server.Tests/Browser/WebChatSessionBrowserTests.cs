using OpenQA.Selenium;

namespace Kefu.Server.Tests.Browser;

/// <summary>Issue 13 part 4 in a real browser: the web chat's conversation is bound to an HttpOnly cookie that page scripts cannot read.</summary>
public sealed class WebChatSessionBrowserTests(WebChatFixture fixture) : IClassFixture<WebChatFixture>
{
    private IWebDriver Driver => fixture.Driver;

    private object? Run(string script, params object[] arguments) => ((IJavaScriptExecutor)Driver).ExecuteAsyncScript(script, arguments);

    [BrowserFact]
    public void The_session_cookie_is_httponly_strict_and_invisible_to_the_page()
    {
        Driver.OpenFresh(fixture.BaseAddress);
        Driver.Send("你好");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 你好"));

        Assert.StartsWith("webchat-", Driver.Stored("kefu.sender"));
        var cookie = Assert.Single(Driver.Cookies(), c => ((string)c["name"]).StartsWith("kefu_session_", StringComparison.Ordinal));
        Assert.Equal(true, cookie["httpOnly"]);
        Assert.Equal("Strict", cookie["sameSite"]);
        Assert.Equal("/webhooks/rest/", cookie["path"]);
        Assert.DoesNotContain("kefu_session", (string)((IJavaScriptExecutor)Driver).ExecuteScript("return document.cookie")!);
        Assert.Empty(Driver.ConsoleErrors());
    }

    [BrowserFact]
    public void A_new_conversation_gets_a_new_cookie_and_the_old_one_is_closed_to_the_page()
    {
        Driver.OpenFresh(fixture.BaseAddress);
        Driver.Send("第一个对话");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Count == 1);
        var first = Driver.Stored("kefu.sender")!;

        Driver.FindElement(By.Id("restart")).Click();
        Driver.Until(d => d.Stored("kefu.sender") is { } now && now != first);
        Driver.Send("第二个对话");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 第二个对话"));

        // The page's own fetch, with the browser's cookie, now opens only the new conversation.
        var statuses = Run("""
            const [first, second, done] = arguments;
            const poll = (id) => fetch("/webhooks/rest/conversations/" + encodeURIComponent(id) + "/messages").then((r) => r.status);
            Promise.all([poll(first), poll(second)]).then((s) => done(s.join(" ")));
            """, first, Driver.Stored("kefu.sender")!);
        Assert.Equal("403 200", statuses);
    }

    [BrowserFact]
    public void When_the_cookie_is_gone_the_message_goes_to_a_new_conversation_and_is_answered()
    {
        Driver.OpenFresh(fixture.BaseAddress);
        Driver.Send("我的快递到哪了");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Count == 1);
        var before = Driver.Stored("kefu.sender");

        Driver.ClearCookies();   // expired, or cleared by the customer
        Driver.FindElement(By.Id("input")).SendKeys("还在吗");
        Driver.FindElement(By.Id("send")).Click();

        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 还在吗"));
        Assert.Contains("之前的对话已失效，已为您开始新的对话", Driver.Texts(".row.notice .bubble"));
        Assert.Equal(["还在吗"], Driver.Texts(".row.user .bubble"));
        Assert.NotEqual(before, Driver.Stored("kefu.sender"));
        // The refused post is a 403 in the console; nothing else went wrong.
        Assert.All(Driver.ConsoleErrors(), e => Assert.Contains("403", e));
    }
}
