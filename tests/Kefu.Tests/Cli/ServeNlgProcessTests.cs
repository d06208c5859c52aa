using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Tests.Generation;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>kefu serve with endpoints.yml `nlg: {model: ...}`: the local generator answers POST /nlg (port 5733).</summary>
public class ServeNlgProcessTests
{
    private const int Port = 5733;

    [CausalLmFixtureFact]
    public async Task Serve_answers_the_nlg_protocol_with_the_template_when_the_generator_gives_nothing()
    {
        using var project = TempProject.Valid(("endpoints.yml", $"nlg:\n  model: {CausalLmFixture.PathOf("tiny-gpt2")}\n  min_log_prob: -1000\n"));
        var server = Process.Start(new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "serve", "--project", project.Dir, "--port", Port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        try
        {
            for (var clock = Stopwatch.StartNew(); ; await Task.Delay(200))
            {
                if (server.HasExited) Assert.Fail("kefu serve exited: " + await server.StandardError.ReadToEndAsync());
                if (clock.Elapsed > TimeSpan.FromSeconds(240)) Assert.Fail("kefu serve was not ready within 240 s");
                try
                {
                    if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException)
                {
                }
            }
            var reply = await http.PostAsJsonAsync("/nlg", new { response = "utter_greet", arguments = new { }, tracker = new { latest_message = new { text = "你好" } }, channel = new { name = "rest" } });
            var body = await reply.Content.ReadAsStringAsync();
            Assert.True(reply.IsSuccessStatusCode, body);
            var json = JsonDocument.Parse(body).RootElement;
            // the tiny random GPT-2 ends at once after the end-of-text separator: the template is kept, and said why
            Assert.Equal("您好！有什么可以帮您？", json.GetProperty("text").GetString());
            Assert.Equal("template: empty generation", json.GetProperty("kefu_outcome").GetString());
            var unknown = await http.PostAsJsonAsync("/nlg", new { response = "utter_nothing" });
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, unknown.StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }
}
