using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Kefu.Tests.Cli;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Sdk;

/// <summary>
/// `kefu run actions` as a real process: it builds a project's actions/ and answers Rasa's action-server protocol over HTTP
/// as rasa-sdk does (rasa_sdk/endpoint.py: POST /webhook, GET /health, GET /actions).
/// </summary>
public sealed class RunActionsCommandTests
{
    private static readonly TimeSpan BuildAndStart = TimeSpan.FromSeconds(300);

    private static Process RunActions(string project, int port)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "run", "actions", "--project", project, "--port", port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Rasa's request (rasa/core/actions/action.py RemoteAction._action_call_format) for one action.</summary>
    private static string Request(string action) => $$$"""
        {"next_action": "{{{action}}}", "sender_id": "u1", "version": "3.6.20",
         "tracker": {"sender_id": "u1", "slots": {"name": "小王", "greeted": null},
                     "latest_message": {"text": "查订单 A1001", "intent": {"name": "check_order", "confidence": 0.9},
                                        "entities": [{"entity": "order_id", "value": "A1001", "start": 4, "end": 9}]},
                     "events": [], "active_loop": {}, "latest_action_name": "action_listen"},
         "domain": {"intents": ["check_order"], "slots": {"name": {}, "greeted": {}}, "actions": ["action_greet"]}}
        """;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post(HttpClient http, HttpContent content)
    {
        var answer = await http.PostAsync("/webhook", content);
        return (answer.StatusCode, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Serves_the_projects_actions_in_rasas_protocol()
    {
        using var project = new TempProject("kefu-run-actions-");
        ActionsProjects.Write(project, ActionsProjects.Greet);
        int port = ServeProcessTests.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var server = RunActions(project.Dir, port);
        try
        {
            string health = "";
            for (var clock = Stopwatch.StartNew(); health.Length == 0; await Task.Delay(200))
            {
                if (server.HasExited) Assert.Fail("kefu run actions exited: " + await server.StandardError.ReadToEndAsync());
                if (clock.Elapsed > BuildAndStart) Assert.Fail($"kefu run actions did not answer /health within {BuildAndStart}");
                try { health = await http.GetStringAsync("/health"); } catch (HttpRequestException) { }
            }
            Assert.Equal("ok", JsonDocument.Parse(health).RootElement.GetProperty("status").GetString());
            var listed = JsonDocument.Parse(await http.GetStringAsync("/actions")).RootElement;
            Assert.Equal(["action_greet", "action_refuse"], listed.EnumerateArray().Select(a => a.GetProperty("name").GetString()));

            var (status, body) = await Post(http, Json(Request("action_greet")));
            Assert.Equal(HttpStatusCode.OK, status);
            var slot = Assert.Single(body.GetProperty("events").EnumerateArray());
            Assert.Equal("slot", slot.GetProperty("event").GetString());
            Assert.Equal("greeted", slot.GetProperty("name").GetString());
            Assert.True(slot.GetProperty("value").GetBoolean());
            var message = Assert.Single(body.GetProperty("responses").EnumerateArray());
            Assert.Equal("你好，小王！订单：A1001", message.GetProperty("text").GetString());

            // Rasa with COMPRESS_ACTION_SERVER_REQUEST=True: zlib.compress(json) sent with Content-Encoding: deflate
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                zlib.Write(Encoding.UTF8.GetBytes(Request("action_greet")));
            var deflated = new ByteArrayContent(compressed.ToArray());
            deflated.Headers.ContentType = new("application/json");
            deflated.Headers.ContentEncoding.Add("deflate");
            (status, body) = await Post(http, deflated);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("你好，小王！订单：A1001", body.GetProperty("responses")[0].GetProperty("text").GetString());

            (status, body) = await Post(http, Json(Request("action_nobody_wrote")));
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("action_nobody_wrote", body.GetProperty("action_name").GetString());
            Assert.Contains("action_nobody_wrote", body.GetProperty("error").GetString());

            (status, body) = await Post(http, Json(Request("action_refuse")));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("action_refuse", body.GetProperty("action_name").GetString());
            Assert.Equal("not now", body.GetProperty("error").GetString());
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_compile_error_in_the_actions_is_reported_as_file_line_column()
    {
        using var project = new TempProject("kefu-run-actions-broken-");
        const string broken = """
            using Kefu.Sdk;

            namespace TestActions;

            public sealed class BrokenAction : CustomAction
            {
                public override string Name => "action_broken";

                public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
                    Done(new SlotSet("x", undefinedThing));
            }
            """;
        ActionsProjects.Write(project, broken, "Broken.cs");
        var lines = broken.Split('\n');
        int line = Array.FindIndex(lines, l => l.Contains("undefinedThing")) + 1, column = lines[line - 1].IndexOf("undefinedThing", StringComparison.Ordinal) + 1;

        using var server = RunActions(project.Dir, ServeProcessTests.FreePort());
        var stderr = server.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(BuildAndStart);
        await server.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, server.ExitCode);
        Assert.Contains($"{project.PathOf("actions/Broken.cs")}:{line}:{column}: error CS0103: The name 'undefinedThing' does not exist", await stderr);
    }
}
