using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Kefu.Models;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>`kefu ab start | status | report | stop | promote` as processes, with `kefu serve` routing conversations to both arms.</summary>
public sealed class AbProcessTests
{
    static Task<(int Code, string Out, string Err)> Run(params string[] args) => RegistryProcessTests.Run(args);

    [Fact]
    public async Task Start_status_stop_and_promote_change_the_experiments_and_refuse_what_is_wrong()
    {
        using var project = TempProject.Valid();
        for (int i = 0; i < 2; i++) Assert.Equal(0, (await Run("train", "--project", project.Dir)).Code);

        Assert.Contains("no experiment has been started", (await Run("ab", "status", "--project", project.Dir)).Out);
        foreach (var (args, error) in new[]
        {
            (new[] { "--b", "v9" }, "v9"),
            (new[] { "--b", "v1", "--weight", "1.5" }, "--weight"),
            (new[] { "--b", "v1", "--name", "a b" }, "name"),
            (new[] { "--b", "v2" }, "both serve v2"),   // v2 is the promoted one: arm A's
        })
        {
            var refused = await Run(["ab", "start", "--project", project.Dir, .. args]);
            Assert.True(refused.Code == 1, refused.Out + refused.Err);
            Assert.Contains(error, refused.Err);
            Assert.DoesNotContain("   at ", refused.Err);
        }
        Assert.False(File.Exists(Path.Combine(ModelRegistry.ModelsDirectory(project.Dir), "experiments.json")) &&
            (await Run("ab", "status", "--project", project.Dir)).Out.Contains("running"), "a refused start changed nothing");

        var start = await Run("ab", "start", "--project", project.Dir, "--b", "v1", "--weight", "0.3");
        Assert.True(start.Code == 0, start.Err);
        Assert.Contains("started experiment v2-vs-v1", start.Out);
        var second = await Run("ab", "start", "--project", project.Dir, "--b", "v1", "--name", "other");
        Assert.Equal(1, second.Code);
        Assert.Contains("v2-vs-v1", second.Err);

        var status = await Run("ab", "status", "--project", project.Dir, "--json");
        using (var json = JsonDocument.Parse(status.Out))
        {
            Assert.Equal("v2-vs-v1", json.RootElement.GetProperty("running").GetString());
            var arms = json.RootElement.GetProperty("experiments")[0].GetProperty("arms").EnumerateArray()
                .Select(a => (a.GetProperty("arm").GetString(), a.GetProperty("version").GetString(), a.GetProperty("weight").GetDouble())).ToList();
            Assert.Equal([("A", "v2", 0.7), ("B", "v1", 0.3)], arms);
        }

        var stop = await Run("ab", "stop", "--project", project.Dir);
        Assert.True(stop.Code == 0, stop.Err);
        Assert.Contains("stopped experiment v2-vs-v1", stop.Out);
        Assert.Contains("none running; the last, v2-vs-v1", (await Run("ab", "status", "--project", project.Dir)).Out);
        Assert.Equal(1, (await Run("ab", "stop", "--project", project.Dir)).Code);
        var reused = await Run("ab", "start", "--project", project.Dir, "--b", "v1", "--name", "v2-vs-v1");
        Assert.Equal(1, reused.Code);
        Assert.Contains("was run before", reused.Err);
        var renamed = await Run("ab", "start", "--project", project.Dir, "--b", "v1");
        Assert.Contains("started experiment v2-vs-v1-2", renamed.Out);
        Assert.Equal(0, (await Run("ab", "stop", "--project", project.Dir)).Code);

        Assert.Equal(0, (await Run("ab", "start", "--project", project.Dir, "--b", "v1", "--name", "second")).Code);
        var noWinner = await Run("ab", "promote", "--project", project.Dir);
        Assert.Equal(1, noWinner.Code);
        Assert.Contains("no conversation database", noWinner.Err);
        var promote = await Run("ab", "promote", "--project", project.Dir, "--arm", "B");
        Assert.True(promote.Code == 0, promote.Err);
        Assert.Contains("promoted v1, arm B of experiment second (was v2)", promote.Out);
        Assert.StartsWith("* v1 ", Assert.Single((await Run("models", "list", "--project", project.Dir)).Out.Split('\n'), l => l.StartsWith('*')));
        Assert.Contains("and promoted arm B (v1)", (await Run("ab", "status", "--project", project.Dir)).Out);
    }

    [Fact]
    public async Task Kefu_serve_routes_conversations_to_both_arms_and_the_report_reads_them_back()
    {
        using var project = TempProject.Valid();
        for (int i = 0; i < 2; i++) Assert.Equal(0, (await Run("train", "--project", project.Dir)).Code);
        string db = project.PathOf("c.db");
        int port = ServeProcessTests.FreePort();
        var (server, log) = ServeProcessTests.ServeLogged(project.Dir, port, db);
        using var _ = server;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string? ModelId()
            {
                try
                {
                    // /status answers before the model is loaded, without model_id (nulls are left out).
                    var status = http.GetAsync("/status").GetAwaiter().GetResult();
                    return status.IsSuccessStatusCode
                        && JsonDocument.Parse(status.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.TryGetProperty("model_id", out var id)
                        ? id.GetString()
                        : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }
            await RegistryProcessTests.Until(() => ModelId() is not null || server.HasExited, TimeSpan.FromSeconds(120));
            Assert.False(server.HasExited, string.Join("\n", log));

            Assert.Equal(0, (await Run("ab", "start", "--project", project.Dir, "--b", "v1")).Code);
            await RegistryProcessTests.Until(() => ModelId()?.StartsWith("v2-vs-v1 (A=v2@") == true, TimeSpan.FromSeconds(30));
            Assert.Contains("B=v1@", ModelId());

            for (int i = 0; i < 24; i++)
            {
                var reply = await http.PostAsync("/webhooks/rest/webhook",
                    new StringContent($"{{\"sender\":\"ab-{i}\",\"message\":\"你好\"}}", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            }
            var metrics = await http.GetStringAsync("/metrics");
            var joined = metrics.Split('\n').Where(l => l.StartsWith("kefu_ab_conversations_total{")).ToList();
            Assert.Equal(2, joined.Count);
            Assert.Equal(24, joined.Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));

            var report = await Run("ab", "report", "--project", project.Dir, "--db", db, "--json");
            Assert.True(report.Code == 0, report.Out + report.Err);
            using (var json = JsonDocument.Parse(report.Out))
                Assert.Equal(24, json.RootElement.GetProperty("arms").EnumerateArray().Sum(a => a.GetProperty("conversations").GetInt32()));

            Assert.Equal(0, (await Run("ab", "stop", "--project", project.Dir)).Code);
            await RegistryProcessTests.Until(() => ModelId()?.StartsWith("v2@") == true, TimeSpan.FromSeconds(30));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
