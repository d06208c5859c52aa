using System.CommandLine;
using System.IO.Compression;
using Kefu.Dialogue.Actions;
using Kefu.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu run actions --project DIR [--host 127.0.0.1] [--port 5055]`: the project's C# actions (PROJECT/actions, built and
/// loaded as kefu serve does) as a Rasa action server, so that Rasa, or another Kefu, calls them as it calls rasa-sdk.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (rasa-sdk's default)", DefaultValueFactory = _ => 5055 };
        var actions = new Command("actions", "Serve the project's C# actions (PROJECT/actions) as a Rasa action server: POST /webhook, GET /health, GET /actions")
        {
            project, host, port,
        };
        actions.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            RunActionsAsync(Path.GetFullPath(parse.GetValue(project)!), parse.GetValue(host)!, parse.GetValue(port), ct)));
        return new Command("run", "Run one part of a bot on its own, as `rasa run actions` does") { actions };
    }

    private static async Task<int> RunActionsAsync(string projectDirectory, string host, int port, CancellationToken ct)
    {
        // Kestrel listens on every interface for a host name other than localhost: a typo would open the server to the network
        if (host != "localhost" && !System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            Console.Error.WriteLine($"kefu run actions: --host {host} is not an IP address or localhost (0.0.0.0 listens on every interface)");
            return 1;
        }
        if (port is < 1 or > 65535)
        {
            Console.Error.WriteLine($"kefu run actions: --port {port} is not a port from 1 to 65535");
            return 1;
        }
        if (ActionsProject.Find(projectDirectory) is null)
        {
            Console.Error.WriteLine($"kefu run actions: {Path.Combine(projectDirectory, ActionsProject.Folder)} has no .csproj; " +
                                    "write one (kefu init does, see docs/actions.md) or give the bot folder with --project");
            return 1;
        }
        var executor = new ActionExecutor(ActionsProject.Load(projectDirectory, Console.Error));
        await using var app = ActionServer.Build(executor, host, port);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine($"kefu run actions: port {port} on {host} is already in use; stop what uses it or choose another with --port");
            return 1;
        }
        Console.Error.WriteLine(executor.ActionNames.Count == 0
            ? $"warning: {ActionsProject.Find(projectDirectory)} has no public CustomAction; every request will be answered 404"
            : $"Actions: {string.Join(", ", executor.ActionNames)}");
        Console.Error.WriteLine($"Action server at {string.Join(", ", app.Urls)}/webhook. Ctrl+C stops.");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}

/// <summary>
/// rasa-sdk's HTTP routes (rasa_sdk/endpoint.py) over <see cref="ActionExecutor"/>: POST /webhook runs an action (a body
/// sent with Content-Encoding: deflate, as Rasa does when COMPRESS_ACTION_SERVER_REQUEST is set, is inflated first),
/// GET /health answers {"status": "ok"} and GET /actions lists [{"name"}].
/// </summary>
internal static class ActionServer
{
    public static WebApplication Build(ActionExecutor executor, string host, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{(host.Contains(':') ? $"[{host}]" : host)}:{port}");
        var app = builder.Build();
        app.MapGet("/health", () => TypedResults.Json(new Dictionary<string, string> { ["status"] = "ok" }));
        app.MapGet("/actions", () => TypedResults.Json(executor.ActionNames.Select(n => new Dictionary<string, string> { ["name"] = n })));
        app.MapPost("/webhook", async Task<IResult> (HttpRequest request) =>
        {
            byte[] body;
            try
            {
                body = await Body(request);
            }
            catch (InvalidDataException e)
            {
                return TypedResults.Json(new Dictionary<string, string> { ["error"] = $"the deflate body cannot be inflated: {e.Message}" }, statusCode: 400);
            }
            var answer = await executor.RunAsync(body);
            return TypedResults.Text(answer.Body, "application/json", answer.StatusCode);
        });
        return app;
    }

    private static async Task<byte[]> Body(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "deflate", StringComparison.OrdinalIgnoreCase))
        {
            // Rasa compresses with zlib.compress: a zlib stream (RFC 1950), not raw deflate
            await using var inflate = new ZLibStream(request.Body, CompressionMode.Decompress);
            await inflate.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        }
        else
        {
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        }
        return buffer.ToArray();
    }
}
