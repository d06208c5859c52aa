using Kefu.Server.Http;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests.Deploy;

/// <summary>The request line (docs/deploy.md, "Logs"): the route's pattern, never the path, its ids or its token.</summary>
public class RequestLogTests
{
    [Fact]
    public async Task A_request_line_names_the_route_pattern_status_and_duration_never_the_path()
    {
        var logs = new RecordingLoggerProvider();
        await using var host = await TestHost.StartAsync(logs: logs);

        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"13812345678","message":"hi"}"""));
        await host.Client.GetAsync("/conversations/13812345678/tracker?token=not-a-secret-to-log");
        await host.Client.GetAsync("/no/such/13812345678");
        await host.Client.GetAsync("/healthz");

        var lines = logs.Entries.Where(e => e.Category == RequestLog.Category).Select(e => e.Message).ToList();
        Assert.Equal(3, lines.Count);   // the probe is a Debug line, below the default level
        Assert.Matches(@"^POST /webhooks/rest/webhook 200 \d+\.\d ms \S+$", lines[0]);
        Assert.StartsWith("GET /conversations/{id}/tracker 200 ", lines[1]);
        Assert.StartsWith("GET unmatched 404 ", lines[2]);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("13812345678") || e.Message.Contains("not-a-secret-to-log"));
    }

    [Fact]
    public async Task Probes_are_debug_lines_and_warning_level_leaves_requests_out()
    {
        var debug = new RecordingLoggerProvider();
        await using (var host = await TestHost.StartAsync(logs: debug, configure: o => o with { LogLevel = LogLevel.Debug }))
            await host.Client.GetAsync("/healthz");
        Assert.Contains(debug.Entries, e => e.Category == RequestLog.Category && e.Level == LogLevel.Debug && e.Message.StartsWith("GET /healthz 200 "));

        var quiet = new RecordingLoggerProvider();
        await using (var host = await TestHost.StartAsync(logs: quiet, configure: o => o with { LogLevel = LogLevel.Warning }))
            await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"u1","message":"hi"}"""));
        Assert.DoesNotContain(quiet.Entries, e => e.Category == RequestLog.Category);
    }
}
