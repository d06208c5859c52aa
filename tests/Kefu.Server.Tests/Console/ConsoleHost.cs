using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kefu.Dialogue;
using Kefu.Server.Agents;
using Kefu.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// The real composition on a TestServer with the SQLite store and <see cref="HandoffBot"/>, in a project folder whose
/// agents.yml has alice and bob (agents), tina (trainer) and ada (admin), all with <see cref="Password"/>.
/// <see cref="StartAgainAsync"/> starts a second server on the same folder: what survives a restart.
/// </summary>
internal sealed class ConsoleHost : IAsyncDisposable
{
    public const string Password = "correct horse 1";

    private readonly WebApplication _app;
    private bool _ownsDirectory;

    public string Directory { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    private ConsoleHost(WebApplication app, string directory, bool ownsDirectory)
    {
        _app = app;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Client = app.GetTestClient();
    }

    /// <summary>Writes the agents (and canned answers) once per test run: hashing is slow on purpose.</summary>
    public static void WriteProject(string directory)
    {
        File.Copy(SharedAgentsFile.Value, AgentsFile.PathIn(directory));
        File.WriteAllText(Path.Combine(directory, CannedAnswers.FileName), """
            canned:
              - title: 问候
                text: 您好，我是人工客服，请问有什么可以帮您？
              - title: 结束
                text: 感谢您的耐心，祝您生活愉快！
            """);
    }

    private static readonly Lazy<string> SharedAgentsFile = new(() =>
    {
        var path = Path.Combine(System.IO.Directory.CreateTempSubdirectory("kefu-console-agents-").FullName, AgentsFile.FileName);
        AgentsFile.AddOrReplace(path, "alice", "小王", AgentRole.Agent, Password);
        AgentsFile.AddOrReplace(path, "bob", "小李", AgentRole.Agent, Password);
        AgentsFile.AddOrReplace(path, "tina", "培训师", AgentRole.Trainer, Password);
        AgentsFile.AddOrReplace(path, "ada", "主管", AgentRole.Admin, Password);
        return path;
    });

    /// <param name="configure">Changes to the server's options (CORS origins...).</param>
    public static async Task<ConsoleHost> StartAsync(bool withAgents = true, ILoggerProvider? logs = null,
        Func<KefuServerOptions, KefuServerOptions>? configure = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("kefu-console-").FullName;
        if (withAgents)
            WriteProject(directory);
        return await StartAsync(directory, ownsDirectory: true, logs, configure: configure);
    }

    /// <summary>A server on a project folder the caller prepared (and deletes).</summary>
    /// <param name="time">The console's clock (working hours); the system's when null.</param>
    /// <param name="chat">The engine; <see cref="HandoffBot"/> when null.</param>
    public static Task<ConsoleHost> StartInAsync(string directory, ILoggerProvider? logs = null, TimeProvider? time = null,
        Func<IEventStore, IChatService>? chat = null) =>
        StartAsync(directory, ownsDirectory: false, logs, time, chat);

    public async Task<ConsoleHost> StartAgainAsync()
    {
        await StopAsync();
        _ownsDirectory = false;
        return await StartAsync(Directory, ownsDirectory: true);
    }

    private static async Task<ConsoleHost> StartAsync(string directory, bool ownsDirectory, ILoggerProvider? logs = null, TimeProvider? time = null,
        Func<IEventStore, IChatService>? chat = null, Func<KefuServerOptions, KefuServerOptions>? configure = null)
    {
        var options = (configure ?? (o => o))(
            new KefuServerOptions { Port = 0, ProjectDirectory = directory, Durability = SqliteDurability.Normal, SessionKey = TestHost.SessionKey });
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            chat ??= store => new HandoffBot(store);
            services.AddSingleton(provider => chat(provider.GetRequiredService<IEventStore>()));
            if (time is not null)
                services.AddSingleton(time);
        });
        builder.WebHost.UseTestServer();
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        var app = KefuServer.Build(builder);
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("handoff-bot", null, null));
        await app.StartAsync();
        return new ConsoleHost(app, directory, ownsDirectory);
    }

    /// <summary>A client signed in as <paramref name="name"/>: the console's cookie sent with every request.</summary>
    public async Task<HttpClient> SignInAsync(string name)
    {
        var response = await Client.PostAsync("/console/api/signin", Http.Json(Http.Serialize(new { name, password = Password })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("kefu_console=", StringComparison.Ordinal));
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        return client;
    }

    /// <summary>A customer message through the REST channel, as the web chat sends it.</summary>
    public async Task SayAsync(string sender, string text)
    {
        var response = await Client.PostAsync("/webhooks/rest/webhook", Http.Json(Http.Serialize(new { sender, message = text })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task HandOffAsync(string sender)
    {
        await SayAsync(sender, "我要转人工");
        // The queue is read from the store at start, in the background; the routes wait for it.
        await Services.GetRequiredService<HandoffQueue>().Loaded;
        // The queue (or offline) notice follows the turn: waited for, so that tests see the conversation settled.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await LastMessageAsync(sender) == HandoffBot.HandoffText && DateTime.UtcNow < deadline)
            await Task.Delay(20);
    }

    /// <summary>The text of the last message the customer's web chat polls.</summary>
    public async Task<string?> LastMessageAsync(string sender)
    {
        var poll = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/webhooks/rest/conversations/{sender}/messages");
        return poll.GetProperty("messages").EnumerateArray().LastOrDefault() is { ValueKind: System.Text.Json.JsonValueKind.Object } last
            && last.TryGetProperty("text", out var text) ? text.GetString() : null;
    }

    public static StringContent Empty() => new("", new MediaTypeHeaderValue("application/json"));

    private bool _stopped;

    private async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
