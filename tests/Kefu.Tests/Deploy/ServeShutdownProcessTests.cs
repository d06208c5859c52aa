using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Tests.Actions;
using Kefu.Tests.Cli;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Deploy;

/// <summary>
/// `kefu serve` as deployed: configured by KEFU_* variables, JSON logs without personal data, the Dockerfile's
/// HEALTHCHECK and the manifests' probes answering, every metric of the alerts and the dashboard exported, and a
/// SIGTERM that lets a running turn finish and exits 0.
/// </summary>
public class ServeShutdownProcessTests
{
    private const string Phone = "13812345678";
    private const string Email = "zhang.san@example.com";

    /// <summary>A bot whose greet turn waits for a custom action the test's action server answers after 3 s.</summary>
    private static TempProject SlowBot(Uri actionServer) => new("kefu-deploy-",
        ("domain.yml", """
            version: "3.1"
            intents: [greet, goodbye]
            responses:
              utter_goodbye:
                - text: 再见
            actions: [action_slow]
            """),
        ("config.yml", """
            recipe: default.v1
            language: zh
            pipeline:
              - name: JiebaTokenizer
              - name: CountVectorsFeaturizer
                analyzer: char_wb
                min_ngram: 1
                max_ngram: 2
              - name: DIETClassifier
                epochs: 20
            policies:
              - name: RulePolicy
            """),
        ("data/nlu.yml", """
            version: "3.1"
            nlu:
            - intent: greet
              examples: |
                - 你好
                - 在吗
            - intent: goodbye
              examples: |
                - 再见
                - 拜拜
            """),
        ("data/rules.yml", """
            version: "3.1"
            rules:
            - rule: greet
              steps:
              - intent: greet
              - action: action_slow
            - rule: goodbye
              steps:
              - intent: goodbye
              - action: utter_goodbye
            """),
        ("endpoints.yml", $"action_endpoint:\n  url: {actionServer}\n"));

    [Fact]
    public async Task Sigterm_lets_the_running_turn_finish_and_the_logs_hold_no_personal_data()
    {
        using var actions = new FakeActionServer(_ => new FakeReply(200, """{"events": [], "responses": [{"text": "慢慢来"}]}""", TimeSpan.FromSeconds(3)));
        using var project = SlowBot(actions.Url);
        int port = ServeProcessTests.FreePort();
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "serve"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Every setting from the environment, as the ConfigMap gives them.
        start.Environment["KEFU_PROJECT"] = project.Dir;
        start.Environment["KEFU_PORT"] = port.ToString();
        start.Environment["KEFU_LOG_FORMAT"] = "json";
        start.Environment["KEFU_SHUTDOWN_TIMEOUT"] = "20";
        var server = Process.Start(start)!;
        var stdout = new List<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Add(e.Data); };
        server.BeginOutputReadLine();
        var stderr = server.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            await WaitReady(http, server, stderr);
            foreach (var path in DeployFiles.ProbePaths())
                Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);
            Assert.Equal(0, await RunHealthcheck(port));

            var personal = await http.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "c1", message = $"你好，我的电话是{Phone}，邮箱 {Email}" });
            personal.EnsureSuccessStatusCode();
            var exported = await http.GetStringAsync("/metrics");
            var missing = DeployFiles.MetricNames().Where(m => !DeployFiles.Exported(m, exported)).ToList();
            Assert.True(missing.Count == 0, "named in deploy/ but not exported at /metrics: " + string.Join(", ", missing));

            int seenBefore = actions.Requests.Count;
            var slow = http.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "c2", message = "/greet" });
            for (var clock = Stopwatch.StartNew(); actions.Requests.Count == seenBefore; await Task.Delay(20))
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the turn never reached the action server");
            Signal(server, "TERM");   // while the action is still running

            var reply = await slow;
            reply.EnsureSuccessStatusCode();
            Assert.Contains("慢慢来", await reply.Content.ReadAsStringAsync());
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "kefu serve did not exit within 30 s of SIGTERM");
            server.WaitForExit();   // drains the redirected output
            Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}: {await stderr}");
            Assert.NotEqual(0, await RunHealthcheck(port));   // and the HEALTHCHECK tells a server that is gone
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        var lines = stdout.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(stdout, l => Assert.StartsWith("{", l));   // --log-format json: every console line is one JSON object
        var turns = lines.Where(l => l.GetProperty("EventId").GetInt32() == 100).ToList();
        Assert.Equal(2, turns.Count);
        Assert.Contains(turns, t => t.GetProperty("State").GetProperty("actions").GetString()!.Contains("action_slow"));
        Assert.Contains(lines, l => l.GetProperty("Category").GetString() == "Kefu.Server.Requests"
                                    && l.GetProperty("State").GetProperty("route").GetString() == "/webhooks/rest/webhook");
        var everything = string.Join("\n", stdout) + await stderr;
        Assert.DoesNotContain(Phone, everything);
        Assert.DoesNotContain(Email, everything);
        Assert.DoesNotContain("c1", turns.Select(t => t.GetProperty("State").GetProperty("conversation").GetString()));
    }

    private static async Task WaitReady(HttpClient http, Process server, Task<string> stderr)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(240); await Task.Delay(200))
        {
            if (server.HasExited) Assert.Fail("kefu serve exited: " + await stderr);
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
        }
        Assert.Fail("kefu serve was not ready within 240 s");
    }

    /// <summary>The Dockerfile's HEALTHCHECK command, run by bash as Docker would run it in the image, against this server.</summary>
    private static async Task<int> RunHealthcheck(int port)
    {
        var check = new ProcessStartInfo("bash", ["-c", DeployFiles.HealthcheckCommand()]);
        check.Environment["KEFU_PORT"] = port.ToString();
        using var process = Process.Start(check)!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return process.ExitCode;
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString()])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
