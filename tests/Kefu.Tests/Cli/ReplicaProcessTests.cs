using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Server.Tests;
using Kefu.Tests.Projects;
using Npgsql;
using StackExchange.Redis;

namespace Kefu.Tests.Cli;

/// <summary>
/// Three `kefu serve` processes on one PostgreSQL (tracker_store) and one Redis (lock_store) behind a round-robin proxy:
/// parallel senders write to ONE conversation while one replica is killed with -9. Needs the services scripts/ci-deps.sh
/// starts; skips, saying why, where they cannot be reached.
/// </summary>
public sealed partial class ReplicaProcessTests
{
    private const int Senders = 4, MessagesPerSender = 10, Replicas = 3;

    [SkippableFact]
    public async Task One_conversation_stays_in_order_and_whole_across_three_replicas_and_a_kill_9()
    {
        TestServices.RequirePostgres();
        TestServices.RequireRedis();
        var postgres = new NpgsqlConnectionStringBuilder(TestServices.PostgresConnectionString);
        var database = "kefu_replicas_" + Guid.NewGuid().ToString("N")[..10];
        var prefix = "kefu-replicas-" + Guid.NewGuid().ToString("N")[..8];
        Execute($"CREATE DATABASE {database}");
        using var folder = new TempProject("kefu-replicas-");
        var servers = new List<Process>();
        var logs = new ConcurrentDictionary<int, StringBuilder>();
        try
        {
            var project = folder.PathOf("bot");
            Assert.Equal(0, Kefu.Cli.Commands.InitCommand.Run(project, "ecommerce-zh"));
            var (redisHost, redisPort) = (TestServices.RedisEndpoint.Split(':')[0], TestServices.RedisEndpoint.Split(':')[1]);
            File.AppendAllText(Path.Combine(project, "endpoints.yml"), $"""

                tracker_store:
                  type: sql
                  dialect: postgresql
                  url: {postgres.Host}
                  port: {postgres.Port}
                  db: {database}
                  username: {postgres.Username}
                  password: {"${KEFU_TEST_DB_PASSWORD}"}
                lock_store:
                  type: redis
                  url: {redisHost}
                  port: {redisPort}
                  db: 0
                  key_prefix: {prefix}
                  lock_lifetime: 2

                """);
            var environment = new Dictionary<string, string> { ["KEFU_TEST_DB_PASSWORD"] = postgres.Password ?? "" };
            // Trained once, so that the replicas start from the same model instead of each training it.
            Assert.Equal(0, Run(environment, "train", "--project", project).ExitCode);

            var ports = Enumerable.Range(0, Replicas).Select(_ => ServeProcessTests.FreePort()).ToArray();
            for (var i = 0; i < Replicas; i++)
                servers.Add(Serve(environment, project, ports[i], logs.GetOrAdd(i, _ => new StringBuilder())));
            foreach (var (server, i) in servers.Select((s, i) => (s, i)))
                await WaitReady(ports[i], server, logs[i]);
            using var proxy = new RoundRobinProxy(ServeProcessTests.FreePort(), ports.Select(p => $"http://127.0.0.1:{p}"));
            using var http = new HttpClient { BaseAddress = new Uri(proxy.Url), Timeout = TimeSpan.FromSeconds(60) };

            var acknowledged = new ConcurrentBag<string>();
            var statuses = new ConcurrentBag<HttpStatusCode>();
            var sent = 0;
            var killed = new TaskCompletionSource();
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                for (var m = 0; m < MessagesPerSender; m++)
                {
                    var text = $"sender{sender} message{m:D2}";
                    // At least once: a message whose answer was lost (the replica was killed) is sent again.
                    for (var attempt = 0; attempt < 10; attempt++)
                    {
                        var reply = await http.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "shared", message = text });
                        statuses.Add(reply.StatusCode);
                        if (reply.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.Add(text);
                            break;
                        }
                        await Task.Delay(200);
                    }
                    if (Interlocked.Increment(ref sent) == Senders * MessagesPerSender / 3)
                    {
                        servers[1].Kill(entireProcessTree: true); // SIGKILL, with the other senders' messages in flight
                        killed.SetResult();
                    }
                }
            })).ToList();
            await Task.WhenAll(senders);
            Assert.True(killed.Task.IsCompleted);

            Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);
            Assert.Equal(Senders * MessagesPerSender, acknowledged.Distinct().Count());
            Assert.True(proxy.Answered.Count(a => a.Value > 0) >= 2, "the proxy spread the messages: " + string.Join(", ", proxy.Answered));

            var tracker = await http.GetFromJsonAsync<JsonElement>("/conversations/shared/tracker");
            var stored = tracker.GetProperty("events").EnumerateArray()
                .Where(e => e.GetProperty("event").GetString() == "user")
                .Select(e => e.GetProperty("text").GetString()!).ToList();
            foreach (var text in acknowledged)
                Assert.Contains(text, stored); // no acknowledged message lost
            for (var sender = 0; sender < Senders; sender++)
            {
                // Each sender waits for its answer before the next message, so its messages must be stored in its order
                // (a message sent again after a lost answer may follow itself).
                var numbers = stored.Select(t => Message().Match(t)).Where(m => m.Success && m.Groups[1].Value == sender.ToString())
                    .Select(m => int.Parse(m.Groups[2].Value)).ToList();
                Assert.Equal(numbers.Order(), numbers);
            }

            // The killed replica's lock and places expired; the others released theirs.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.RedisEndpoint);
            Assert.False(await redis.GetDatabase(0).KeyExistsAsync($"{prefix}:{{shared}}:lock"));
        }
        finally
        {
            foreach (var server in servers)
            {
                if (!server.HasExited) server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
            NpgsqlConnection.ClearAllPools();
            Execute($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    [GeneratedRegex(@"^sender(\d+) message(\d+)$")]
    private static partial Regex Message();

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static (int ExitCode, string Output) Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors.Result);
    }

    private static Process Serve(IReadOnlyDictionary<string, string> environment, string project, int port, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "serve", "--project", project, "--port", port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return server;
    }

    private static async Task WaitReady(int port, Process server, StringBuilder log)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(120);)
        {
            if (server.HasExited)
                lock (log) Assert.Fail("kefu serve exited: " + log);
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        lock (log) Assert.Fail("kefu serve was not ready within 120 s: " + log);
    }
}
