using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests.Channels;

/// <summary>A request the stand-in received.</summary>
public sealed record ReceivedCall(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A platform's API on a free loopback port (real Kestrel, real HTTP): it records each call and answers with
/// <see cref="Answer"/> (the platform's success answer unless a test makes it fail).
/// </summary>
public sealed class PlatformStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    /// <summary>Status and JSON body for a call; the default answers 200 with the given success body.</summary>
    public Func<ReceivedCall, (int Status, string Body)> Answer { get; set; }

    public Uri BaseUrl { get; }

    private PlatformStandIn(WebApplication app, string successBody)
    {
        _app = app;
        Answer = _ => (200, successBody);
        BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public static async Task<PlatformStandIn> StartAsync(string successBody = """{"ok":true}""")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        PlatformStandIn? standIn = null;
        app.Run(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var call = new ReceivedCall(context.Request.Method, context.Request.Path + context.Request.QueryString, body,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            standIn!.Calls.Enqueue(call);
            var (status, answer) = standIn.Answer(call);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer);
        });
        await app.StartAsync();
        standIn = new PlatformStandIn(app, successBody);
        return standIn;
    }

    public static (int, string) Down(ReceivedCall _) => ((int)HttpStatusCode.BadGateway, """{"ok":false,"error":"bad gateway"}""");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
