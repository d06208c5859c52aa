using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests;

/// <summary>
/// Hot reload as `kefu serve` wires it (an <see cref="EngineSwitch"/> behind IChatService, one <see cref="ModelReloader"/>):
/// PUT /model under parallel load drops nothing, a file that fails to load leaves the old model serving, DELETE /model.
/// The "model files" here are stand-ins: the loader turns each name into an echo engine, "bad.kefu" into an error.
/// </summary>
public sealed class RegistryHotReloadTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("kefu-hot-reload-").FullName;
    readonly RecordingLoggerProvider logs = new();
    readonly InMemoryEventStore store = new();
    WebApplication app = null!;
    HttpClient client = null!;
    int loads;

    string Models => Path.Combine(folder, "models");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Models);
        foreach (var name in new[] { "a.kefu", "b.kefu", "bad.kefu" }) File.WriteAllText(Path.Combine(Models, name), name);
        File.WriteAllText(Path.Combine(folder, "outside.kefu"), "outside");
        var options = new KefuServerOptions { Port = 0, SessionKey = TestHost.SessionKey, AuthToken = "secret" };
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            var engines = new EngineSwitch();
            services.AddSingleton(engines);
            services.AddSingleton<IChatService>(engines);
            services.AddSingleton<ModelReloader>();
        });
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(logs);
        app = KefuServer.Build(builder);
        await app.StartAsync();
        var reloader = app.Services.GetRequiredService<ModelReloader>();
        reloader.ModelsDirectory = Models;
        reloader.Loader = path =>
        {
            Interlocked.Increment(ref loads);
            if (Path.GetFileName(path) == "bad.kefu") throw new InvalidDataException($"{path}: not a readable model archive");
            Thread.Sleep(20);   // a load takes a while; requests keep going meanwhile
            return new LoadedModel(new EchoChatService(store), new ModelInfo(path, Path.GetFileName(path), DateTimeOffset.UtcNow));
        };
        await reloader.LoadAsync(Path.Combine(Models, "a.kefu"), "start");
        client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "secret");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    Task<HttpResponseMessage> Put(string modelFile) => client.PutAsJsonAsync("/model", new { model_file = modelFile });

    async Task<string?> LoadedModelId() => (await client.GetFromJsonAsync<JsonElement>("/status")).GetProperty("model_id").GetString();

    [Fact]
    public async Task Swapping_models_under_parallel_requests_fails_none_and_loses_no_turn()
    {
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = new int[32];
        var workers = Enumerable.Range(0, sent.Length).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                var reply = await client.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = $"c{w}", message = $"m{i}" });
                string body = await reply.Content.ReadAsStringAsync();
                if (reply.StatusCode != HttpStatusCode.OK || !body.Contains($"m{i}", StringComparison.Ordinal))
                    lock (failures) failures.Add($"{(int)reply.StatusCode} {body}");
                sent[w]++;
            }
        })).ToList();
        for (int swap = 0; swap < 10; swap++)
        {
            await Task.Delay(30);
            var put = await Put($"models/{(swap % 2 == 0 ? "b" : "a")}.kefu");
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.True(sent.Sum() >= sent.Length * 10, $"only {sent.Sum()} requests ran beside the swaps");
        Assert.Equal("a.kefu", await LoadedModelId());
        // every turn of every conversation is in the store: one user and one bot event per message, none lost or doubled
        for (int w = 0; w < sent.Length; w++)
        {
            var events = await store.LoadAsync($"c{w}", CancellationToken.None);
            Assert.Equal(sent[w], events.Count(e => e.Type == "user"));
        }
    }

    [Fact]
    public async Task A_model_that_fails_to_load_leaves_the_old_one_serving_and_is_logged_in_one_line()
    {
        var put = await Put("models/bad.kefu");
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        var problem = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("not a readable model archive", problem.GetProperty("detail").GetString());
        Assert.Contains("still serving a.kefu", problem.GetProperty("detail").GetString());
        Assert.Equal("a.kefu", await LoadedModelId());
        var reply = await client.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "x", message = "还在吗" });
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Category == typeof(ModelReloader).FullName);
        Assert.Contains("bad.kefu", logged.Message);
        Assert.DoesNotContain('\n', logged.Message);
    }

    [Theory]
    [InlineData("../outside.kefu")]
    [InlineData("/etc/passwd")]
    [InlineData("models/missing.kefu")]
    [InlineData("")]
    public async Task Put_model_takes_only_files_inside_the_models_folder(string modelFile)
    {
        int before = loads;
        var put = await Put(modelFile);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal(before, loads);
        Assert.Equal("a.kefu", await LoadedModelId());
    }

    [Fact]
    public async Task Delete_model_unloads_until_a_model_is_put_and_both_need_the_token()
    {
        using var anonymous = app.GetTestClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/model")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/model", new { model_file = "models/b.kefu" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/model")).StatusCode);
        var refused = await client.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "x", message = "hi" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("DELETE /model", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Put("models/b.kefu")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/webhooks/rest/webhook", new { sender = "x", message = "hi" })).StatusCode);
        var ready = await client.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("b.kefu", ready.GetProperty("model_id").GetString());
    }
}

/// <summary><see cref="EngineSwitch"/>: a call that entered the old engine finishes on it; the new one waits for it.</summary>
public sealed class EngineSwitchRegistryTests
{
    sealed class Gated(string name, Task gate) : IChatService
    {
        public int Calls;

        public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Calls);
            await gate;
            return [new BotMessage(name)];
        }

        public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) => Task.CompletedTask;
        public NluParse Parse(string text) => throw new NotSupportedException();
        public Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) => Task.CompletedTask;
        public Task HandBackAsync(string conversationId, CancellationToken ct = default) => Task.CompletedTask;
        public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, Kefu.Dialogue.Tracking.DialogueEvent feedback, CancellationToken ct = default) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Calls_on_the_new_engine_wait_until_the_old_engines_calls_have_finished()
    {
        var release = new TaskCompletionSource();
        var old = new Gated("old", release.Task);
        var fresh = new Gated("new", Task.CompletedTask);
        var engines = new EngineSwitch();
        var early = engines.HandleMessageAsync("c", "waits for the first engine");
        engines.Swap(old);
        var first = engines.HandleMessageAsync("c", "1");
        engines.Swap(fresh);
        var second = engines.HandleMessageAsync("c", "2");
        await Task.Delay(100);
        Assert.Equal(0, fresh.Calls);
        Assert.False(second.IsCompleted);
        release.SetResult();
        Assert.Equal("old", (await first).Single().Text);
        // it waited for the first swap and went to whichever engine was current when it resumed
        Assert.Contains((await early).Single().Text, new[] { "old", "new" });
        Assert.Equal("new", (await second).Single().Text);
        Assert.Same(fresh, engines.Engine);
    }
}
