using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium.Chrome;

namespace Kefu.Server.Tests.Browser;

/// <summary>
/// A shop's site (http://localhost:OTHER) whose page carries the one-line embed, and Kefu (http://127.0.0.1:PORT,
/// another site) with the shop's origin in --cors-origins; one headless Chromium.
/// </summary>
public sealed class EmbedFixture : IAsyncLifetime
{
    public const string Title = "小店客服";
    public const string Color = "#0a7";
    public const string Greeting = "欢迎光临小店";

    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-embed-").FullName;
    private WebApplication? _kefu;
    private WebApplication? _shop;
    private ChromeDriver? _driver;

    public ChromeDriver Driver => _driver ?? throw new InvalidOperationException("the browser is not started");
    public Uri KefuAddress { get; private set; } = new("http://127.0.0.1/");
    public Uri Shop { get; private set; } = new("http://localhost/");
    public HttpClient Api { get; } = new();
    public IServiceProvider Services => _kefu?.Services ?? throw new InvalidOperationException("the server is not started");

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
            return;
        // The shop first: Kefu's --cors-origins needs its port.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _shop = builder.Build();
        _shop.MapGet("/shop", () => Results.Content($"""
            <!doctype html><title>a shop</title><link rel="icon" href="data:,"><p>our products</p>
            <script src="{KefuAddress}webchat/embed.js" data-title="{Title}" data-color="{Color}" data-initial-message="{Greeting}" data-lang="zh" async></script>
            """, "text/html; charset=utf-8"));
        await _shop.StartAsync();
        Shop = new Uri($"http://localhost:{new Uri(_shop.Urls.Single()).Port}/");

        var options = new KefuServerOptions
        {
            Port = 0, ProjectDirectory = _directory, Durability = SqliteDurability.Normal, CorsOrigins = [Shop.ToString().TrimEnd('/')],
        };
        _kefu = KefuServer.Build(options, services => services.AddSingleton<IChatService, EchoChatService>());
        _kefu.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await _kefu.StartAsync();
        KefuAddress = new Uri(_kefu.Urls.Single());
        Api.BaseAddress = KefuAddress;

        _driver = Chromium.Start(Path.Combine(_directory, "profile"), 1000, 800);
    }

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        Api.Dispose();
        foreach (var app in new[] { _kefu, _shop })
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        Directory.Delete(_directory, recursive: true);
    }
}
