using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>`kefu serve` as a real process: trains the flagship sample, answers, survives kill -9 mid-conversation.</summary>
public class ServeProcessTests
{
    internal static string CliDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(RepoPaths.Root, "src", "Kefu.Cli", "bin", configuration, "net10.0", "Kefu.Cli.dll");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>`kefu serve` on a project and database, its stdout and stderr lines collected in Log (for assertion messages).</summary>
    internal static (Process Server, System.Collections.Concurrent.ConcurrentQueue<string> Log) ServeLogged(string project, int port, string db)
    {
        var server = Process.Start(new ProcessStartInfo("dotnet", [CliDll(), "serve", "--project", project, "--port", port.ToString(), "--db", db])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return (server, log);
    }

    private static Process Serve(string project, int port)
    {
        var server = Process.Start(new ProcessStartInfo("dotnet", [CliDll(), "serve", "--project", project, "--port", port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        server.OutputDataReceived += (_, _) => { };   // drained, so the server never blocks on a full pipe
        server.BeginOutputReadLine();
        return server;
    }

    private static async Task WaitReady(HttpClient http, Process server)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(240);)
        {
            if (server.HasExited) Assert.Fail("kefu serve exited: " + await server.StandardError.ReadToEndAsync());
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        Assert.Fail("kefu serve was not ready within 240 s");
    }

    private static async Task<string> Send(HttpClient http, string text)
    {
        var reply = await http.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "c1", message = text });
        reply.EnsureSuccessStatusCode();
        var messages = await reply.Content.ReadFromJsonAsync<JsonElement>();
        return string.Join(" | ", messages.EnumerateArray().Select(m => m.TryGetProperty("text", out var t) ? t.GetString() : ""));
    }

    [Fact]
    public async Task Serves_the_sample_and_continues_a_conversation_after_kill_9()
    {
        using var folder = new TempProject("kefu-serve-");   // deleted on return, after the finally blocks below killed both servers
        var project = folder.PathOf("bot");
        Assert.Equal(0, Kefu.Cli.Commands.InitCommand.Run(project, "ecommerce-zh"));
        int port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var first = Serve(project, port);
        try
        {
            await WaitReady(http, first);
            Assert.Contains("订单", await Send(http, "/return_refund"));   // the return form asks for the order number

            // a second server on the same database stops with one line, also when the agent console opens the store first
            Kefu.Server.Agents.AgentsFile.AddOrReplace(Kefu.Server.Agents.AgentsFile.PathIn(project), "amy", "amy",
                Kefu.Server.Agents.AgentRole.Agent, "secret1234");
            var intruder = Serve(project, FreePort());
            string error = await intruder.StandardError.ReadToEndAsync();
            await intruder.WaitForExitAsync();
            Assert.Equal(1, intruder.ExitCode);
            Assert.Contains("kefu: the conversation database", error);
            Assert.DoesNotContain("Unhandled exception", error);
            File.Delete(Kefu.Server.Agents.AgentsFile.PathIn(project));
        }
        finally
        {
            first.Kill(entireProcessTree: true);   // SIGKILL: no shutdown, no flush
            await first.WaitForExitAsync();
        }

        var second = Serve(project, port);
        try
        {
            await WaitReady(http, second);
            var reply = await Send(http, """/inform_order_id{"order_id": "DD20241115077"}""");
            Assert.Contains("原因", reply);   // the form went on to the return reason: nothing acknowledged was lost
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
    }
}
