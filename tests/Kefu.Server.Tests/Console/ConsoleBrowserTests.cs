using Kefu.Dialogue;
using Kefu.Server.Agents;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Browser;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// The console and the web chat in two headless Chromiums (two, because the web chat stops polling while its page is
/// hidden) against the composition `kefu serve` uses: Kestrel, SQLite, agents.yml, with <see cref="HandoffBot"/>.
/// </summary>
public sealed class ConsoleBrowserFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-console-browser-").FullName;
    private WebApplication? _app;

    public ChromeDriver? Customer { get; private set; }
    public ChromeDriver? Agent { get; private set; }
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
            return;
        ConsoleHost.WriteProject(_directory);
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = _directory, Durability = SqliteDurability.Normal };
        _app = KefuServer.Build(options, services =>
            services.AddSingleton<IChatService>(provider => new HandoffBot(provider.GetRequiredService<IEventStore>())));
        _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("handoff-bot", null, null));
        await _app.StartAsync();
        await _app.Services.GetRequiredService<HandoffQueue>().Loaded;
        BaseAddress = new Uri(_app.Urls.Single());
        Customer = Chromium.Start(Path.Combine(_directory, "customer"), 900, 800);
        Agent = Chromium.Start(Path.Combine(_directory, "agent"), 1200, 900);
    }

    public async Task DisposeAsync()
    {
        foreach (var driver in new[] { Customer, Agent })
        {
            driver?.Quit();
            driver?.Dispose();
        }
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class ConsoleBrowserTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    [BrowserFact]
    public void Handoff_claim_reply_and_hand_back_the_customer_sees_each_step()
    {
        var customer = fixture.Customer!;
        var agent = fixture.Agent!;

        // The customer asks for a human: the bot says it hands off.
        customer.OpenFresh(fixture.BaseAddress);
        customer.Send("我要转人工");
        customer.Until(d => d.Texts(ChatPage.BotBubbles).Contains(HandoffBot.HandoffText));
        var sender = customer.Stored("kefu.sender")!;

        // The agent signs in with the keyboard alone and finds the conversation in the queue.
        agent.Navigate().GoToUrl(new Uri(fixture.BaseAddress, "/console/"));
        agent.Until(d => d.FindElement(By.Id("name")).Displayed);
        agent.FindElement(By.Id("name")).SendKeys("alice");
        agent.FindElement(By.Id("password")).SendKeys(ConsoleHost.Password + Keys.Enter);
        agent.Until(d => d.FindElement(By.Id("me")).Text.Contains("小王"));
        // The queue re-renders as it polls: the item is found and clicked in one step, again if it was replaced.
        var itemText = agent.Until(d =>
        {
            var item = d.FindElements(By.CssSelector($"#queue button[data-id='{sender}']")).FirstOrDefault();
            if (item is null) return null;
            var text = item.Text;
            item.Click();
            return text;
        });
        Assert.Contains("未接入", itemText);

        // The conversation so far, with the NLU's reading of the customer's message; then the claim.
        agent.Until(d => d.Texts("#messages li.user .nlu").Contains("request_human 0.93"));
        Assert.Contains("我要转人工", agent.Texts("#messages li.user .text"));
        agent.FindElement(By.Id("claim")).Click();
        agent.Until(d => d.FindElement(By.Id("reply-text")).Displayed);
        Assert.Equal("由你接待", agent.FindElement(By.Id("conv-state")).Text);

        // A canned answer, then a typed reply sent with Enter: the customer's page shows both under the agent's name.
        agent.FindElement(By.CssSelector("#canned option:nth-child(2)")).Click();
        Assert.Equal("您好，我是人工客服，请问有什么可以帮您？", agent.FindElement(By.Id("reply-text")).GetDomProperty("value"));
        agent.FindElement(By.Id("reply-text")).SendKeys(Keys.Enter);
        agent.Until(d => d.Texts("#messages li.agent .text").Count == 1);
        agent.FindElement(By.Id("reply-text")).SendKeys("您的订单已经退款，请查收。" + Keys.Enter);
        customer.Until(d => d.Texts(".row.agent .bubble").Contains("您的订单已经退款，请查收。"));
        Assert.Equal(["您好，我是人工客服，请问有什么可以帮您？", "您的订单已经退款，请查收。"], customer.Texts(".row.agent .bubble"));
        Assert.Contains("小王", customer.Texts(".agent-name .name"));

        // The customer writes to the agent; the agent sees it.
        customer.Send("<b>收到</b>，谢谢");
        agent.Until(d => d.Texts("#messages li.user .text").Contains("<b>收到</b>，谢谢"));

        // Hand back with a note: the customer hears the bot again, the queue is empty, the note stays.
        agent.FindElement(By.Id("handback-note")).SendKeys("已退款，无需跟进" + Keys.Enter);
        customer.Until(d => d.Texts(ChatPage.BotBubbles).Contains(HandoffBot.HandBackText));
        agent.Until(d => d.FindElements(By.CssSelector("#queue button")).Count == 0);
        agent.Until(d => d.Texts("#notes li").Contains("备注（alice）：已退款，无需跟进"));
        agent.Until(d => d.Texts("#messages li.handback").Count == 1);
        Assert.False(agent.FindElement(By.Id("reply")).Displayed);

        Assert.Empty(customer.ConsoleErrors());
        Assert.Empty(agent.ConsoleErrors());
    }
}
