using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Browser;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// A trainer works the correction inbox with the keyboard alone in headless Chromium, against Kestrel, SQLite and
/// <see cref="HandoffBot"/>: two items (a handoff, a fallback), one corrected with a digit, one confirmed, then exported.
/// </summary>
public sealed class CorrectionsBrowserTests
{
    [BrowserFact]
    public async Task A_trainer_corrects_confirms_and_exports_with_the_keyboard()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-corrections-browser-").FullName;
        ConsoleHost.WriteProject(directory);
        File.WriteAllText(Path.Combine(directory, "domain.yml"), "version: \"3.1\"\nintents: [greet, ask_price, request_human, chitchat]\n");
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = directory, Durability = SqliteDurability.Normal };
        var app = KefuServer.Build(options, services =>
            services.AddSingleton<IChatService>(provider => new HandoffBot(provider.GetRequiredService<IEventStore>())));
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("handoff-bot", null, null));
        await app.StartAsync();
        var chat = app.Services.GetRequiredService<IChatService>();
        await chat.HandleMessageAsync("a", "我要转人工");
        await chat.HandleMessageAsync("b", "这个多少钱");
        await app.Services.GetRequiredService<IEventStore>().AppendAsync("b", [RasaEventJson.ToStored(new ActionExecuted("action_default_fallback"))]);
        var trainer = Chromium.Start(Path.Combine(directory, "trainer"), 1200, 900);
        try
        {
            trainer.Navigate().GoToUrl(new Uri(new Uri(app.Urls.Single()), "/console/"));
            trainer.Until(d => d.FindElement(By.Id("name")).Displayed);
            trainer.FindElement(By.Id("name")).SendKeys("tina");
            trainer.FindElement(By.Id("password")).SendKeys(ConsoleHost.Password + Keys.Enter);
            trainer.Until(d => d.FindElements(By.Id("corrections-toggle")).FirstOrDefault(e => e.Displayed))!.Click();
            trainer.Until(d => d.Texts("#corrections-list .text").Count == 2);
            Assert.Equal(["我要转人工", "这个多少钱"], trainer.Texts("#corrections-list .text"));
            Assert.Contains("2 ask_price", trainer.Texts("#corrections-intents li"));

            var body = trainer.FindElement(By.TagName("body"));
            body.SendKeys("j");
            trainer.Until(d => d.Texts("#corrections-list .item[aria-current='true'] .text").SequenceEqual(["这个多少钱"]));
            body.SendKeys("2");
            trainer.Until(d => d.Texts("#corrections-list .text").SequenceEqual(["我要转人工"]));
            body.SendKeys("c");
            trainer.Until(d => d.Texts("#corrections-list .text").Count == 0);
            body.SendKeys("x");
            trainer.Until(d => d.FindElement(By.Id("corrections-report")).Text.Contains("corrections.yml: 2 条"));

            // 我要转人工 confirmed as request_human is new to the project; 这个多少钱 was corrected to ask_price.
            var yaml = File.ReadAllText(Path.Combine(directory, "data", "corrections.yml"));
            Assert.Contains("- intent: ask_price\n  examples: |\n    - 这个多少钱", yaml);
            Assert.Contains("- intent: request_human\n  examples: |\n    - 我要转人工", yaml);

            // An agent signing in on the same page (no reload) loses the view and its button.
            trainer.FindElement(By.Id("signout")).Click();
            trainer.Until(d => d.FindElement(By.Id("name")).Displayed);
            trainer.FindElement(By.Id("name")).Clear(); // the form keeps the last name typed
            trainer.FindElement(By.Id("name")).SendKeys("alice");
            trainer.FindElement(By.Id("password")).SendKeys(ConsoleHost.Password + Keys.Enter);
            trainer.Until(d => d.FindElement(By.Id("me")).Text.Contains("小王"));
            trainer.Until(d => !d.FindElement(By.Id("corrections-toggle")).Displayed && !d.FindElement(By.Id("corrections-view")).Displayed);
            Assert.True(trainer.FindElement(By.CssSelector(".desk")).Displayed);
            Assert.Empty(trainer.ConsoleErrors());
        }
        finally
        {
            trainer.Quit();
            trainer.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
