using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Channels;
using Kefu.Server.Channels.SocketIO;
using Kefu.Server.Tests.Browser;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>
/// The Rasa chat widget itself (npm rasa-webchat 1.0.1, its standalone bundle lib/index.js, which scripts/socketio-client.sh
/// fetches) in headless Chromium, on a shop's page (http://localhost:A) talking to Kefu's socketio channel on another
/// origin (http://127.0.0.1:B) that --cors-origins allows, as a widget embedded in a shop's site does.
/// </summary>
public sealed class RasaWebchatBrowserTests : IDisposable
{
    private static readonly string Bundle = Path.Combine(Environment.GetEnvironmentVariable("KEFU_NODE_MODULES_DIR")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kefu", "node"), "rasa-webchat@1.0.1", "index.js");

    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-rasa-webchat-").FullName;

    [SkippableFact]
    public async Task The_widget_connects_sends_and_shows_the_bots_reply_and_quick_replies()
    {
        Skip.If(Chromium.MissingReason is not null, "browser test skipped: " + Chromium.MissingReason);
        Skip.IfNot(File.Exists(Bundle), $"{Bundle} is not there: run scripts/socketio-client.sh");
        var metadata = new MetadataLog();
        var kefuAddress = "";
        var shop = WebApplication.CreateSlimBuilder();
        shop.WebHost.UseUrls("http://127.0.0.1:0");
        await using var shopApp = shop.Build();
        shopApp.MapGet("/rasa-webchat.js", () => Results.File(Bundle, "text/javascript"));
        shopApp.MapGet("/shop", () => Results.Content($$"""
            <!doctype html><html><head><meta charset="utf-8"><title>a shop</title><link rel="icon" href="data:,"></head>
            <body><div id="chat"></div><script src="/rasa-webchat.js"></script>
            <script>WebChat.default({ socketUrl: "{{kefuAddress}}", socketPath: "/socket.io/", customData: { language: "zh" },
              embedded: true, initPayload: "/buttons", title: "小店客服" }, document.getElementById("chat"));</script></body></html>
            """, "text/html; charset=utf-8"));
        await shopApp.StartAsync();
        var shopOrigin = $"http://localhost:{new Uri(shopApp.Urls.Single()).Port}";

        var options = new KefuServerOptions
        {
            Port = 0, ProjectDirectory = _directory, SessionKey = TestHost.SessionKey, CorsOrigins = [shopOrigin],
            Channels = ChannelSettings.None with { SocketIO = SocketIOSettings.Default with { SessionPersistence = true, MetadataKey = "customData" } },
        };
        var store = new InMemoryEventStore();
        await using var kefu = KefuServer.Build(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            services.AddSingleton<IChatService>(metadata.Around(new EchoChatService(store)));
        });
        kefu.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await kefu.StartAsync();
        kefuAddress = kefu.Urls.Single();

        using var driver = Chromium.Start(Path.Combine(_directory, "profile"), 1000, 800);
        try
        {
            driver.Navigate().GoToUrl(shopOrigin + "/shop");

            // initPayload "/buttons" is sent once the session is confirmed: the reply and its quick replies show.
            driver.Until(d => BotTexts(d).Contains("请选择："));
            Assert.Equal(["查订单", "退货"], driver.Until(d => Texts(d, ".rw-reply") is { Count: 2 } replies ? replies : null));

            var input = driver.FindElement(By.CssSelector(".rw-new-message"));
            input.SendKeys("你好，小店");
            input.SendKeys(Keys.Enter);
            driver.Until(d => BotTexts(d).Contains("echo: 你好，小店"));

            var session = (string)((IJavaScriptExecutor)driver).ExecuteScript(
                "return Object.values(Object.assign({}, localStorage, sessionStorage)).map(v => { try { return JSON.parse(v).session_id } catch { return null } }).find(s => s)")!;
            Assert.False(string.IsNullOrEmpty(session), "the widget stored no session id");
            var users = (await store.LoadAsync("socketio:" + session)).Where(e => e.Type == "user").Select(e => JsonNode.Parse(e.Json)!["text"]!.GetValue<string>());
            Assert.Equal(["/buttons", "你好，小店"], users);
            Assert.Equal(["""{"language":"zh"}""", """{"language":"zh"}"""], metadata.Seen);
            // The widget's stylesheet asks for Google Fonts, which a machine without network cannot load; nothing else may fail.
            Assert.DoesNotContain(driver.ConsoleErrors(), e => !e.Contains("https://fonts.googleapis.com/", StringComparison.Ordinal));
        }
        finally
        {
            driver.Quit();
        }
    }

    private static List<string> BotTexts(IWebDriver driver) => Texts(driver, ".rw-response .rw-message-text");

    private static List<string> Texts(IWebDriver driver, string css) =>
        ((IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim())", css)!).Cast<string>().ToList();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
