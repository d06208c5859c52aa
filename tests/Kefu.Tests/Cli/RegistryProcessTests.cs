using System.Diagnostics;
using Kefu.Cli;
using Kefu.Dialogue;
using Kefu.Models;
using Kefu.Projects;
using Kefu.Server;
using Kefu.Tests.Projects;
using Kefu.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kefu.Tests.Cli;

/// <summary>`kefu train` and `kefu models list | promote | rollback` as processes; the watcher `kefu serve` runs.</summary>
public sealed class RegistryProcessTests
{
    internal static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    static string PromotedLine(string list) => Assert.Single(list.Split('\n'), l => l.StartsWith('*')).Trim();

    [Fact]
    public async Task Two_training_runs_are_two_versions_that_promote_and_rollback_switch_between()
    {
        using var project = TempProject.Valid();
        for (int i = 1; i <= 2; i++)
        {
            var train = await Run("train", "--project", project.Dir);
            Assert.True(train.Code == 0, train.Err);
            Assert.Contains($"versions{Path.DirectorySeparatorChar}v{i}.kefu", train.Out);
            Assert.Contains($"promoted v{i}", train.Out);
        }
        var list = await Run("models", "list", "--project", project.Dir);
        Assert.Equal(0, list.Code);
        Assert.StartsWith("* v2 ", PromotedLine(list.Out));
        Assert.Contains(" v1 ", list.Out);
        Assert.Contains(RegisteredTraining.DataHash(project.Dir)[..12], list.Out);

        var promote = await Run("models", "promote", "v1", "--project", project.Dir);
        Assert.Equal((0, "promoted v1 (was v2)"), (promote.Code, promote.Out.Trim()));
        Assert.StartsWith("* v1 ", PromotedLine((await Run("models", "list", "--project", project.Dir)).Out));

        var rollback = await Run("models", "rollback", "--project", project.Dir);
        Assert.Equal((0, "promoted v2 (was v1)"), (rollback.Code, rollback.Out.Trim()));
        Assert.StartsWith("* v2 ", PromotedLine((await Run("models", "list", "--project", project.Dir)).Out));

        var unknown = await Run("models", "promote", "v9", "--project", project.Dir);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no version v9", unknown.Err);

        var candidate = await Run("train", "--project", project.Dir, "--candidate");
        Assert.Equal(1, candidate.Code);
        Assert.Contains("--test-data", candidate.Err);

        File.WriteAllText(ModelRegistry.RegistryPath(ModelRegistry.ModelsDirectory(project.Dir)), "{ not json");
        var damaged = await Run("models", "list", "--project", project.Dir);
        Assert.Equal(1, damaged.Code);
        Assert.Contains("registry.json is damaged", damaged.Err);
        Assert.DoesNotContain("   at ", damaged.Err);
    }

    [Fact]
    public async Task Kefu_serve_loads_a_promoted_version_while_it_answers()
    {
        using var project = TempProject.Valid();
        for (int i = 0; i < 2; i++) Assert.Equal(0, (await Run("train", "--project", project.Dir)).Code);
        int port = ServeProcessTests.FreePort();
        var (server, log) = ServeProcessTests.ServeLogged(project.Dir, port, project.PathOf("c.db"));
        using var _ = server;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            async Task<string?> ModelId()
            {
                try
                {
                    var ready = await http.GetAsync("/readyz");
                    return ready.IsSuccessStatusCode
                        ? System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("model_id").GetString()
                        : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }
            string? id = null;
            await Until(() => (id = ModelId().GetAwaiter().GetResult()) is not null || server.HasExited, TimeSpan.FromSeconds(120));
            Assert.False(server.HasExited, string.Join("\n", log));
            Assert.StartsWith("v2@", id);

            Assert.Equal(0, (await Run("models", "promote", "v1", "--project", project.Dir)).Code);
            await Until(() => ModelId().GetAwaiter().GetResult()?.StartsWith("v1@") == true, TimeSpan.FromSeconds(30));
            var reply = await http.PostAsync("/webhooks/rest/webhook",
                new StringContent("{\"sender\":\"a\",\"message\":\"你好\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.OK, reply.StatusCode);
            Assert.Contains(log, l => l.Contains("(v1 was promoted)"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_watcher_loads_a_promoted_version_and_keeps_serving_when_one_fails_to_load()
    {
        using var project = TempProject.Valid();
        var store = new InMemoryEventStore();
        for (int i = 0; i < 2; i++)
            RegisteredTraining.Train(RasaProject.Load(project.Dir), false, null);
        string models = ModelRegistry.ModelsDirectory(project.Dir);
        var readiness = new ServerReadiness();
        var logs = new Logs();
        var reloader = new ModelReloader(new EngineSwitch(), readiness, NullLogger<ModelReloader>.Instance)
        {
            Loader = path =>
            {
                var bot = TrainedBot.LoadFor(project.Dir, path);
                return new LoadedModel(BotLoader.CreateAgent(bot, store), new ModelInfo(bot.ModelPath, bot.ModelId, bot.TrainedAt));
            },
        };
        await reloader.LoadAsync(Path.Combine(models, "versions", "v2.kefu"), "start");
        await using var watcher = new RegistryWatcher(models, "v2", reloader, logs, TimeSpan.FromMilliseconds(200));

        using (var registry = ModelRegistry.Lock(models))
        {
            registry.Promote("v1", "promote");
            registry.Save();
        }
        await Until(() => watcher.LoadedVersion == "v1");
        Assert.StartsWith("v1@", readiness.Model!.ModelId);

        // v2's archive damaged after it was registered, then promoted by editing the file: the load fails, v1 serves on
        File.WriteAllBytes(Path.Combine(models, "versions", "v2.kefu"), [1, 2, 3]);
        string registryFile = ModelRegistry.RegistryPath(models);
        Replace(registryFile, File.ReadAllText(registryFile).Replace("\"promoted\": \"v1\"", "\"promoted\": \"v2\""));
        await Task.Delay(1000);
        Assert.Equal("v1", watcher.LoadedVersion);
        Assert.StartsWith("v1@", readiness.Model!.ModelId);

        // a damaged registry is logged once, with what still serves
        Replace(registryFile, "{");
        await Until(() => logs.Lines.Any(l => l.Contains("is damaged")));
        await Task.Delay(600);
        var line = Assert.Single(logs.Lines, l => l.Contains("is damaged"));
        Assert.Contains("still serving v1@", line);
    }

    /// <summary>Written whole (temporary file and rename), as the registry writes it: the watcher never reads half a file.</summary>
    static void Replace(string path, string text)
    {
        File.WriteAllText(path + ".test", text);
        File.Move(path + ".test", path, overwrite: true);
    }

    internal static async Task Until(Func<bool> condition, TimeSpan? within = null)
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < (within ?? TimeSpan.FromSeconds(30)); await Task.Delay(50))
            if (condition()) return;
        Assert.Fail("timed out");
    }

    sealed class Logs : ILogger
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Lines = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
