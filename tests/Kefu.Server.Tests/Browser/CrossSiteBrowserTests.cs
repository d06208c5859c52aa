using System.Net;
using System.Text.Json;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Browser;

/// <summary>
/// Issue 13 parts 3 and 7 in a real browser: another site's page cannot write into a conversation (the text/plain
/// post that once paused the bot), a rebound name cannot reach the server, and the web chat runs under its
/// Content-Security-Policy with nothing refused.
/// </summary>
public sealed class CrossSiteBrowserTests(CrossSiteFixture fixture) : IClassFixture<CrossSiteFixture>
{
    private const string Unmatched = "unmatched";

    private IWebDriver Driver => fixture.Driver;

    private object? Run(string script, params object[] arguments) => ((IJavaScriptExecutor)Driver).ExecuteAsyncScript(script, arguments);

    /// <summary>A customer's conversation as a Rasa client starts it; its id is known to whoever attacks it.</summary>
    private async Task<string> StartConversationAsync()
    {
        var sender = "victim-" + Guid.NewGuid().ToString("N")[..8];
        var response = await fixture.Api.PostAsync("/webhooks/rest/webhook", Http.Json(Http.Serialize(new { sender, message = "我要退款" })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return sender;
    }

    private async Task AssertUntouchedAsync(string sender)
    {
        var tracker = await (await fixture.Api.GetAsync($"/conversations/{sender}/tracker")).ReadJsonAsync();
        Assert.False(tracker.GetProperty("paused").GetBoolean());
        Assert.Equal(["user", "bot"], tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
            await Task.Delay(100);
        Assert.True(await condition());
    }

    [BrowserFact]
    public async Task A_page_on_another_origin_cannot_post_an_agent_message_and_the_bot_is_not_paused()
    {
        var sender = await StartConversationAsync();
        var posts = await fixture.RequestsAsync("POST");
        var refused = await fixture.RequestsAsync("POST", Unmatched, 403);

        Driver.Navigate().GoToUrl(new Uri(fixture.OtherSite, "page"));
        // What the other site's script can send without a preflight: text/plain fetches, and an HTML form whose one
        // text/plain field joins name and value into a JSON body.
        var outcome = Run("""
            const [kefu, sender, done] = arguments;
            const messages = kefu + "/conversations/" + encodeURIComponent(sender) + "/messages";
            const simple = (url, body) => fetch(url, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body });
            const frame = document.createElement("iframe");
            frame.name = "sink";
            document.body.append(frame);
            const form = document.createElement("form");
            form.method = "POST";
            form.enctype = "text/plain";
            form.target = "sink";
            form.action = messages;
            const field = document.createElement("input");
            field.name = '{"sender":"agent","agent":"x","text":"hi","padding":"';
            field.value = '"}';
            form.append(field);
            document.body.append(form);
            Promise.all([
              simple(messages, JSON.stringify({ sender: "agent", agent: "冒充的客服", text: "您的退款申请已取消" })),
              simple(kefu + "/webhooks/rest/webhook", JSON.stringify({ sender, message: "/buttons" })),
            ]).then(() => { form.submit(); done("sent"); }, (e) => done("failed: " + e));
            """, fixture.KefuAddress.ToString().TrimEnd('/'), sender);

        Assert.Equal("sent", outcome);
        // All three reached the server, changed nothing, and were refused (counted unmatched: no route takes a
        // text/plain body).
        await EventuallyAsync(async () => await fixture.RequestsAsync("POST") == posts + 3);
        await AssertUntouchedAsync(sender);
        Assert.Equal(refused + 3, await fixture.RequestsAsync("POST", Unmatched, 403));
    }

    [BrowserFact]
    public async Task A_name_rebound_to_the_server_is_refused_although_its_pages_are_same_origin()
    {
        var sender = await StartConversationAsync();
        var rebound = new Uri($"http://{CrossSiteFixture.RebindName}:{fixture.KefuAddress.Port}/");

        Driver.Navigate().GoToUrl(rebound);
        Assert.Contains("Host not allowed", Driver.PageSource);   // not even the web chat is served under that name

        // The health probe answers any name, so a page of the rebound origin loads; its scripts may fetch that origin
        // (the API's policy, which would forbid them, is lifted: this page plays the attacker's own).
        ((OpenQA.Selenium.Chromium.ChromiumDriver)Driver).ExecuteCdpCommand("Page.setBypassCSP", new() { ["enabled"] = true });
        try
        {
            Driver.Navigate().GoToUrl(new Uri(rebound, "healthz"));
            var statuses = Run("""
                const [sender, done] = arguments;
                const json = { "Content-Type": "application/json" };
                Promise.all([
                  fetch("/conversations/" + encodeURIComponent(sender) + "/messages",
                        { method: "POST", headers: json, body: JSON.stringify({ sender: "agent", agent: "x", text: "hi" }) }),
                  fetch("/conversations/" + encodeURIComponent(sender) + "/tracker"),
                  fetch("/healthz"),
                ]).then((answers) => done(answers.map((a) => a.status).join(" ")), (e) => done("failed: " + e));
                """, sender);

            Assert.Equal("400 400 200", statuses);
        }
        finally
        {
            ((OpenQA.Selenium.Chromium.ChromiumDriver)Driver).ExecuteCdpCommand("Page.setBypassCSP", new() { ["enabled"] = false });
        }
        await AssertUntouchedAsync(sender);
    }

    [BrowserFact]
    public void The_web_chat_works_under_its_policy_and_the_policy_is_enforced()
    {
        // OpenFresh's second load is a 304 revalidation: its headers must not change the policy.
        Driver.OpenFresh(fixture.KefuAddress);
        Driver.ConsoleErrors();
        Driver.Send("你好");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: 你好"));
        Driver.Send("/buttons");
        var buttons = Driver.Until(d => d.FindElements(By.CssSelector("#quick-replies button")) is { Count: 2 } found ? found : null)!;
        buttons[0].Click();
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("echo: /order_status"));
        Driver.Send("/custom");
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot pre")).Count == 1);
        // A bot's image may live on any site.
        var picture = Run("""
            const [src, done] = arguments;
            const img = document.createElement("img");
            img.onload = () => done(img.naturalWidth);
            img.onerror = () => done(-1);
            img.src = src;
            document.getElementById("messages").append(img);
            """, new Uri(fixture.OtherSite, "picture.svg").ToString());
        Assert.Equal(8L, picture);
        Assert.Empty(Driver.ConsoleErrors());

        // The empty log means something: this browser enforces that policy and reports what it refuses. (Scripts that
        // WebDriver runs are exempt from page policies, so the check is a page of its own under the same header.)
        Driver.Navigate().GoToUrl(new Uri(fixture.OtherSite, "under-the-policy"));
        Assert.Equal("untouched", Driver.Title);
        Assert.Equal("rgba(0, 0, 0, 1)", Driver.FindElement(By.Id("p")).GetCssValue("color"));
        var refused = Driver.ConsoleErrors();
        Assert.Contains(refused, e => e.Contains("Content Security Policy", StringComparison.Ordinal) && e.Contains("script-src", StringComparison.Ordinal));
        Assert.Contains(refused, e => e.Contains("Content Security Policy", StringComparison.Ordinal) && e.Contains("style-src", StringComparison.Ordinal));
    }
}
