using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Kefu.Server.Tests.Browser;

/// <summary>
/// The web chat asks for the rating by itself after the bot's goodbye (utter_goodbye, or the responses the page's
/// rate_after names), once per conversation; headless Chromium against the real dialogue engine (<see cref="GreeterBot"/>).
/// </summary>
public sealed class WebChatClosingBrowserTests(GreeterChatFixture fixture) : IClassFixture<GreeterChatFixture>
{
    private const string Card = ".rating-card";

    private IWebDriver Driver => fixture.Driver;

    [BrowserFact]
    public async Task The_goodbye_brings_the_rating_card_once_and_the_stars_are_stored()
    {
        fixture.OpenFreshPage();
        Driver.Send("你好");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("您好！"));
        Assert.Empty(Driver.FindElements(By.CssSelector(Card)));

        Driver.Send("再见");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("再见！"));
        Driver.Until(d => d.FindElements(By.CssSelector(Card)).Count == 1);
        // The card follows the goodbye.
        Assert.Equal("rating", Driver.FindElement(By.CssSelector("#messages > .row:last-child")).GetAttribute("class")!.Split(' ')[1]);

        // Shown, not yet rated: a reload and another goodbye do not ask again.
        Driver.Navigate().Refresh();
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("再见！"));
        Driver.Send("再见");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Count(t => t == "再见！") == 2);
        WaitForThePoll(3);
        Assert.Single(Driver.FindElements(By.CssSelector(Card)));

        Driver.FindElements(By.CssSelector($"{Card} .star"))[4].Click();
        Driver.FindElement(By.CssSelector($"{Card} .submit")).Click();
        Driver.Until(d => d.Texts($"{Card} .rating-status").Contains("感谢您的评价！"));

        var sender = Driver.Stored("kefu.sender")!;
        var tracker = await fixture.Api.GetAsync($"/conversations/{Uri.EscapeDataString(sender)}/tracker");
        var ratings = JsonDocument.Parse(await tracker.Content.ReadAsStringAsync()).RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("event").GetString() == "rating").ToList();
        Assert.Equal(5, Assert.Single(ratings).GetProperty("stars").GetInt32());
        Assert.Empty(fixture.ConsoleErrors());
    }

    [BrowserFact]
    public void With_rate_after_off_the_goodbye_asks_for_nothing()
    {
        fixture.OpenFreshPage("?rate_after=off");
        Driver.Send("再见");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("再见！"));
        WaitForThePoll(1);

        Assert.Empty(Driver.FindElements(By.CssSelector(Card)));
        // 结束对话 still asks.
        Driver.FindElement(By.Id("end")).Click();
        Driver.Until(d => d.FindElements(By.CssSelector(Card)).Count == 1);
    }

    [BrowserFact]
    public void Rate_after_names_the_responses_that_end_the_conversation()
    {
        fixture.OpenFreshPage("?rate_after=utter_thanks,utter_greet");
        Driver.Send("再见");
        Driver.Until(d => d.Texts(ChatPage.BotBubbles).Contains("再见！"));
        WaitForThePoll(1);
        Assert.Empty(Driver.FindElements(By.CssSelector(Card)));

        Driver.Send("你好");
        Driver.Until(d => d.FindElements(By.CssSelector(Card)).Count == 1);
    }

    [BrowserFact]
    public void The_embed_passes_data_rate_after_to_the_chat_and_leaves_a_bad_one_out()
    {
        string FrameSource(string rateAfter)
        {
            fixture.OpenFreshPage();
            ((IJavaScriptExecutor)Driver).ExecuteScript("""
                const script = document.createElement("script");
                script.src = "/webchat/embed.js";
                script.dataset.rateAfter = arguments[0];
                document.body.append(script);
                """, rateAfter);
            Driver.Until(d => d.FindElements(By.Id("kefu-embed-launcher")).FirstOrDefault())!.Click();
            return Driver.Until(d => d.FindElements(By.Id("kefu-embed-frame")).FirstOrDefault())!.GetAttribute("src")!;
        }

        Assert.Contains("rate_after=utter_bye%2Cutter_thanks", FrameSource("utter_bye, utter_thanks"), StringComparison.Ordinal);
        Assert.Contains("rate_after=off", FrameSource("off"), StringComparison.Ordinal);
        Assert.DoesNotContain("rate_after", FrameSource("utter_bye\"><b>"), StringComparison.Ordinal);
        // The chat page refuses to be framed by itself (no --cors-origins): the frames' only errors.
        Assert.All(fixture.ConsoleErrors(), e => Assert.Contains("Framing", e, StringComparison.Ordinal));
    }

    /// <summary>Until the poll or stream has given the index of the <paramref name="count"/> bot messages (their 👍 enabled): the page has seen all there is.</summary>
    private void WaitForThePoll(int count) =>
        Driver.Until(d => d.FindElements(By.CssSelector(".row.bot .thumb.up")) is { } ups && ups.Count == count && ups.All(b => b.Enabled));
}

/// <summary>
/// <see cref="WebChatFixture"/>'s composition (Kestrel on a free port, SQLite) with the real dialogue engine of
/// <see cref="GreeterBot"/>: utter_greet, or utter_goodbye when the message says 再见.
/// </summary>
public sealed class GreeterChatFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-webchat-closing-").FullName;
    private WebApplication? _app;
    private ChromeDriver? _driver;

    public ChromeDriver Driver => _driver ?? throw new InvalidOperationException("the browser is not started");
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");
    public HttpClient Api { get; } = new();

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
            return;
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = _directory, Durability = SqliteDurability.Normal };
        _app = KefuServer.Build(options, services =>
            services.AddSingleton<IChatService>(provider => GreeterBot.Create(provider.GetRequiredService<IEventStore>())));
        _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("greeter", null, null));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Api.BaseAddress = BaseAddress;
        _driver = Chromium.Start(Path.Combine(_directory, "profile"), 1000, 800);
    }

    /// <summary>The web chat at / with <paramref name="query"/>, nothing remembered from an earlier test.</summary>
    public void OpenFreshPage(string query = "")
    {
        var page = new Uri(BaseAddress, "/" + query);
        Driver.Navigate().GoToUrl(page);
        Driver.ExecuteScript("localStorage.clear()");
        Driver.Navigate().GoToUrl(page);
        Driver.Until(d => d.FindElements(By.CssSelector(".row.notice")).Count > 0);
    }

    public IReadOnlyList<string> ConsoleErrors() => Driver.ConsoleErrors();

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        Api.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
