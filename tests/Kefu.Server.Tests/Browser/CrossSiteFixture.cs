using System.Globalization;
using System.Text.RegularExpressions;
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
/// Kefu as `kefu serve` runs it by default (127.0.0.1, no token, a free port), a second server playing another site
/// (http://localhost:OTHER: another host and port, so another origin), and one headless Chromium in which the
/// name rebind.test resolves to 127.0.0.1, as a DNS-rebinding attacker's name would after the switch.
/// </summary>
public sealed partial class CrossSiteFixture : IAsyncLifetime
{
    public const string RebindName = "rebind.test";

    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-crosssite-").FullName;
    private WebApplication? _kefu;
    private WebApplication? _other;
    private ChromeDriver? _driver;

    public ChromeDriver Driver => _driver ?? throw new InvalidOperationException("the browser is not started");
    public Uri KefuAddress { get; private set; } = new("http://127.0.0.1/");
    public Uri OtherSite { get; private set; } = new("http://localhost/");
    public HttpClient Api { get; } = new();

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
            return;
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = _directory, Durability = SqliteDurability.Normal };
        _kefu = KefuServer.Build(options, services => services.AddSingleton<IChatService, EchoChatService>());
        _kefu.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await _kefu.StartAsync();
        KefuAddress = new Uri(_kefu.Urls.Single());
        Api.BaseAddress = KefuAddress;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _other = builder.Build();
        _other.MapGet("/page", () => Results.Content("<!doctype html><title>another site</title><p>nothing here</p>", "text/html; charset=utf-8"));
        // The web chat's policy on a page that breaks it: an inline script and an inline style.
        _other.MapGet("/under-the-policy", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = Kefu.Server.Http.SecurityHeaders.PagePolicy;
            return Results.Content("""
                <!doctype html><title>untouched</title>
                <p id="p" style="color: red">inline style</p>
                <script>document.title = "inline script ran";</script>
                """, "text/html; charset=utf-8");
        });
        _other.MapGet("/picture.svg", () => Results.Content(
            """<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>""", "image/svg+xml"));
        await _other.StartAsync();
        OtherSite = new Uri($"http://localhost:{new Uri(_other.Urls.Single()).Port}/");

        _driver = Chromium.Start(Path.Combine(_directory, "profile"), 1000, 800, $"--host-resolver-rules=MAP {RebindName} 127.0.0.1");
    }

    /// <summary>kefu_http_requests_total summed over the lines with the given labels (null: any value).</summary>
    public async Task<long> RequestsAsync(string method, string? route = null, int? status = null)
    {
        var text = await Api.GetStringAsync("/metrics");
        long sum = 0;
        foreach (Match line in MetricLine().Matches(text))
        {
            var labels = line.Groups["labels"].Value;
            if (labels.Contains($"method=\"{method}\"", StringComparison.Ordinal)
                && (route is null || labels.Contains($"route=\"{route}\"", StringComparison.Ordinal))
                && (status is null || labels.Contains($"status=\"{status}\"", StringComparison.Ordinal)))
                sum += long.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    [GeneratedRegex(@"^kefu_http_requests_total\{(?<labels>.*)\} (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        Api.Dispose();
        foreach (var app in new[] { _kefu, _other })
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        Directory.Delete(_directory, recursive: true);
    }
}
