using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Experiments;
using Kefu.Models;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Browser;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// An admin opens the A/B experiment view in headless Chromium: the running experiment, its arms and conversations, a
/// table per metric with B's verdict, and the promote button; an agent never sees the view's toggle.
/// </summary>
public sealed class ExperimentBrowserTests
{
    [BrowserFact]
    public async Task An_admin_sees_the_experiment_report_and_the_promote_button()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-experiment-browser-").FullName;
        ConsoleHost.WriteProject(directory);
        string models = ModelRegistry.ModelsDirectory(directory);
        Directory.CreateDirectory(models);
        File.WriteAllText(LiveExperiments.PathIn(models), """
            {"format_version": 1, "experiments": [{"name": "e1", "arms": [{"name": "A", "version": "v1", "weight": 0.5},
              {"name": "B", "version": "v2", "weight": 0.5}], "started": "2026-12-06T00:00:00+00:00", "stopped": null, "promoted": null}]}
            """);
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = directory, Durability = SqliteDurability.Normal };
        var app = KefuServer.Build(options, services =>
            services.AddSingleton<IChatService>(provider => new HandoffBot(provider.GetRequiredService<IEventStore>())));
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("handoff-bot", null, null));
        await app.StartAsync();
        var store = app.Services.GetRequiredService<IEventStore>();
        for (int i = 0; i < 40; i++)
        {
            string arm = i % 2 == 0 ? "A" : "B";
            await store.AppendAsync("x" + i, [RasaEventJson.ToStored(new ExperimentJoined("e1", arm, arm == "A" ? "v1" : "v2")),
                RasaEventJson.ToStored(new ConversationRated(arm == "A" ? 2 + i % 3 / 2 : 4 + i % 3 / 2))]);
        }
        var browser = Chromium.Start(Path.Combine(directory, "admin"), 1200, 900);
        try
        {
            browser.Navigate().GoToUrl(new Uri(new Uri(app.Urls.Single()), "/console/"));
            browser.Until(d => d.FindElement(By.Id("name")).Displayed);
            browser.FindElement(By.Id("name")).SendKeys("ada");
            browser.FindElement(By.Id("password")).SendKeys(ConsoleHost.Password + Keys.Enter);
            browser.Until(d => d.FindElements(By.Id("experiment-toggle")).FirstOrDefault(e => e.Displayed))!.Click();
            browser.Until(d => d.FindElement(By.Id("experiment-summary")).Text.Contains("winner: B"));
            var summary = browser.FindElement(By.Id("experiment-summary")).Text;
            Assert.Contains("e1: A = v1 (50%), B = v2 (50%)", summary);
            Assert.Contains("A 20, B 20", summary);
            Assert.Contains("B 更好 / B better", browser.FindElement(By.Id("experiment-metrics")).Text);
            Assert.True(browser.FindElement(By.Id("experiment-promote")).Displayed);
            Assert.False(browser.FindElement(By.CssSelector(".desk")).Displayed);

            // An agent signing in on the same page (no reload) loses the view and its button.
            browser.FindElement(By.Id("signout")).Click();
            browser.Until(d => d.FindElement(By.Id("name")).Displayed);
            browser.FindElement(By.Id("name")).Clear();
            browser.FindElement(By.Id("name")).SendKeys("alice");
            browser.FindElement(By.Id("password")).SendKeys(ConsoleHost.Password + Keys.Enter);
            browser.Until(d => d.FindElement(By.Id("me")).Text.Contains("小王"));
            browser.Until(d => !d.FindElement(By.Id("experiment-toggle")).Displayed && !d.FindElement(By.Id("experiment-view")).Displayed);
            Assert.Empty(browser.ConsoleErrors());
        }
        finally
        {
            browser.Quit();
            browser.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
