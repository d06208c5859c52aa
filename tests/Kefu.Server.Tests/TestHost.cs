using System.Net.Http.Headers;
using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests;

/// <summary>The real server composition on an in-process TestServer, with the echo bot (or the given chat service) and an in-memory store.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    /// <summary>Fixed, so that no test writes a key file beside a database it does not have.</summary>
    public static readonly byte[] SessionKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly WebApplication _app;

    public InMemoryEventStore Store { get; }
    public HttpClient Client { get; }
    public ServerReadiness Readiness { get; }
    public IServiceProvider Services => _app.Services;

    private TestHost(WebApplication app, InMemoryEventStore store)
    {
        _app = app;
        Store = store;
        Client = app.GetTestClient();
        Readiness = app.Services.GetRequiredService<ServerReadiness>();
    }

    public static async Task<TestHost> StartAsync(string? token = null, bool ready = true, long maxBodyBytes = 256 * 1024,
        ILoggerProvider? logs = null, Func<IEventStore, IChatService>? chat = null,
        Func<KefuServerOptions, KefuServerOptions>? configure = null, ServerLimits? limits = null,
        Action<IServiceCollection>? services = null)
    {
        var store = new InMemoryEventStore();
        var options = (configure ?? (o => o))(new KefuServerOptions
        {
            AuthToken = token, MaxRequestBodyBytes = maxBodyBytes, Port = 0, SessionKey = SessionKey, Limits = limits ?? new(),
        });
        var more = services;
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            if (chat is null)
                services.AddSingleton<IChatService, EchoChatService>();
            else
                services.AddSingleton(chat(store));
            more?.Invoke(services);
        });
        builder.WebHost.UseTestServer();
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        var app = KefuServer.Build(builder);
        if (ready)
            app.Services.GetRequiredService<ServerReadiness>().MarkReady(
                new ModelInfo("models/test.kefu", "test-model", new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero)));
        await app.StartAsync();
        return new TestHost(app, store);
    }

    public HttpClient AuthorizedClient(string token)
    {
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
