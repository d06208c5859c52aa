using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Kefu.Server.Tests.Browser;

/// <summary>
/// The composition `kefu serve` uses (Kestrel on 127.0.0.1, a free port, SQLite) with the echo bot, and one
/// headless Chromium shared by the tests of a class. Each test starts from a fresh page and conversation.
/// </summary>
public sealed class WebChatFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-webchat-").FullName;
    private WebApplication? _app;
    private ChromeDriver? _driver;

    public ChromeDriver Driver => _driver ?? throw new InvalidOperationException("the browser is not started");
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");
    public HttpClient Api { get; } = new();
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the server is not started");

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
            return;
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = _directory, Durability = SqliteDurability.Normal };
        _app = KefuServer.Build(options, services => services.AddSingleton<IChatService, EchoChatService>());
        _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Api.BaseAddress = BaseAddress;
        _driver = Chromium.Start(Path.Combine(_directory, "profile"), 1000, 800);
    }

    /// <summary>The web chat at /, with nothing remembered from an earlier test (a new sender id).</summary>
    public void OpenFreshPage()
    {
        Driver.Navigate().GoToUrl(BaseAddress);
        Driver.ExecuteScript("localStorage.clear()");
        Driver.Navigate().Refresh();
    }

    /// <summary>Errors the page logged (console.error, uncaught exceptions, failed loads) since the last call.</summary>
    public IReadOnlyList<string> ConsoleErrors() =>
        Driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Severe).Select(e => e.Message).ToList();

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
