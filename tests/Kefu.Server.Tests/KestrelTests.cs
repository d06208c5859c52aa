using System.Net;
using Kefu.Dialogue;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>The composition `kefu serve` uses: real Kestrel on loopback and the default SQLite store.</summary>
public sealed class KestrelTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-kestrel-").FullName;

    [Fact]
    public async Task Serves_on_a_free_port_and_keeps_the_conversation_across_a_restart()
    {
        var options = new KefuServerOptions { Port = 0, ProjectDirectory = _directory, MaxRequestBodyBytes = 4096 };
        const string message = """{"sender":"k1","message":"你好"}""";

        await using (var first = await StartAsync(options))
        {
            using var client = new HttpClient { BaseAddress = new Uri(first.Urls.Single()) };
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/webhooks/rest/webhook", Http.Json(message))).StatusCode);

            // Kestrel's own body limit, for bodies sent without a length.
            var chunked = new StreamContent(new MemoryStream(new byte[8192]));
            chunked.Headers.ContentType = new("application/json");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/webhooks/rest/webhook", chunked)).StatusCode);
        }
        Assert.True(File.Exists(Path.Combine(_directory, ".kefu", "conversations.db")));

        await using var second = await StartAsync(options);
        using var again = new HttpClient { BaseAddress = new Uri(second.Urls.Single()) };
        var tracker = await (await again.GetAsync("/conversations/k1/tracker")).ReadJsonAsync();
        Assert.Equal(["user", "bot"], tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
    }

    private static async Task<WebApplication> StartAsync(KefuServerOptions options)
    {
        var app = KefuServer.Build(options, services => services.AddSingleton<IChatService, EchoChatService>());
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
        await app.StartAsync();
        return app;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
