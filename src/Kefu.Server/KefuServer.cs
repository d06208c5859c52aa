using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kefu.Dialogue;
using Kefu.Observability;
using Kefu.Server.Agents;
using Kefu.Server.Channels;
using Kefu.Server.Http;
using Kefu.Server.Metrics;
using Kefu.Server.Routes;
using Kefu.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Kefu.Server;

/// <summary>
/// Composition of the server and nothing else. The caller registers the IChatService (the dialogue engine);
/// an IEventStore it does not register is a PostgresEventStore when endpoints.yml names one (options.Stores), else a
/// SqliteEventStore at options.ResolvedDatabasePath; a Redis lock store named there is the IConversationLocks, which the
/// caller hands to its engine (AgentOptions.Locks).
/// The server starts not ready: call <c>app.Services.GetRequiredService&lt;ServerReadiness&gt;().MarkReady(model)</c>.
/// <code>
/// var app = KefuServer.Build(options, services => services.AddSingleton&lt;IChatService, ChatService&gt;());
/// app.Services.GetRequiredService&lt;ServerReadiness&gt;().MarkReady(new ModelInfo(file, id, trainedAt));
/// await app.RunAsync();
/// </code>
/// </summary>
public static class KefuServer
{
    public static WebApplication Build(KefuServerOptions options, Action<IServiceCollection> configureServices) =>
        Build(CreateBuilder(options, configureServices));

    /// <summary>Services and Kestrel configured; tests add <c>builder.WebHost.UseTestServer()</c> before Build.</summary>
    public static WebApplicationBuilder CreateBuilder(KefuServerOptions options, Action<IServiceCollection> configureServices)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Limits.Invalid() is { } badLimit)
            throw new ArgumentException($"every limit must be at least 1: {badLimit}", nameof(options));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Kefu.Server" });
        // Per-request information logs cost more than a bot turn.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A start that fails (a port in use) reaches the caller as an exception, which `kefu serve` says in one line; the
        // host would log it first with its whole stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // One entry, one line: what a log collector (and grep) takes as one event, e.g. why the server is not ready.
        if (options.LogFormat == LogFormat.Json)
            builder.Logging.AddJsonConsole(console => { console.UseUtcTimestamp = true; console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; });
        else
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        // A stop lets running requests (turns) finish for this long: Kestrel stops accepting, then waits (docs/deploy.md, "Stopping").
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.UseUrls(ListenUrl(options));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<ServerReadiness>();
        services.TryAddSingleton<ChannelEventStreams>();
        services.AddSingleton<LoadedLater<Kefu.Knowledge.KnowledgeService>>();
        services.AddSingleton<LoadedLater<Kefu.Generation.Nlg.RasaNlgServer>>();
        services.AddSingleton<HttpMetrics>();
        services.AddSingleton(provider =>
        {
            var http = provider.GetRequiredService<HttpMetrics>().Meter;
            // .NET's own "System.Runtime" meter adds GC collections and pause time, heap and working set.
            return new PrometheusExporter(meter =>
                meter.Name is KefuMetrics.MeterName or "System.Runtime" || ReferenceEquals(meter, http));
        });
        services.AddProblemDetails();
        services.AddRequestGuards(options);
        services.AddSingleton(_ => ConversationSessions.Load(options));
        services.AddExceptionHandler<StoreFailures>();
        services.AddExceptionHandler<BadRequests>();
        services.AddSingleton<StoreCheck>();
        services.AddChannels(options);
        services.AddHostedService(provider => provider.GetRequiredService<StoreCheck>());
        services.AddSingleton<RetentionSweep>();
        services.AddHostedService(provider => provider.GetRequiredService<RetentionSweep>());
        services.AddSingleton<Reminders.ReminderService>();
        services.AddHostedService(provider => provider.GetRequiredService<Reminders.ReminderService>());
        services.AddOpenApi(openApi =>
        {
            HeadRequests.LeaveHeadOut(openApi);
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Kefu";
                document.Info.Description = "Kefu customer-service bot: Rasa-compatible REST channel and HTTP API.";
                return Task.CompletedTask;
            });
        });
        services.ConfigureHttpJsonOptions(json =>
        {
            // Rasa's wire format: snake_case, absent fields left out.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        configureServices(services);
        services.TryAddSingleton<IEventStore>(_ => options.Stores.PostgresConnectionString is { } postgres
            ? new PostgresEventStore(postgres)
            : new SqliteEventStore(options.ResolvedDatabasePath, options.Durability, exclusive: true));
        if (options.Stores.RedisLocks is { } redis)
            services.TryAddSingleton<IConversationLocks>(provider =>
                new RedisConversationLocks(redis, provider.GetRequiredService<ILogger<RedisConversationLocks>>()));
        services.AddAgentConsole(options);
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        // Asked without resolving it: a test's engine may be built only when first asked for.
        if (!app.Services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(IChatService)))
            throw new InvalidOperationException("no IChatService is registered: the server needs the dialogue engine");
        var options = app.Services.GetRequiredService<KefuServerOptions>();
        // Created now, not at the first scrape, so that it sees every measurement from the first request on.
        app.Services.GetRequiredService<PrometheusExporter>();
        // Read (or made) now: a key file that cannot be read stops the start, not the first web chat.
        app.Services.GetRequiredService<ConversationSessions>();

        if (options.CollectionBudgetBytes > 0)
        {
            var pacer = new CollectionPacer(options.CollectionBudgetBytes);
            // Left after the response has gone out, so that the request that spends the budget does not wait for the pause.
            app.Use((context, next) =>
            {
                pacer.Enter();
                context.Response.OnCompleted(static p => { ((CollectionPacer)p).Leave(); return Task.CompletedTask; }, pacer);
                return next(context);
            });
        }
        app.UseHttpMetrics(app.Services.GetRequiredService<HttpMetrics>());
        app.UseRequestLog();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before anything that may answer without reading the body: an unread body over the limit must stay drainable.
        app.UseBodyLimit();
        app.UseSecurityHeaders();
        app.UseRequestGuards(options);
        app.UseWebSockets();

        var routes = app.MapGroup("").AnswerHeadLikeGet();
        routes.MapOpenApi();
        routes.MapRestChannel();
        routes.MapChannels(options);
        routes.MapSessions();
        routes.MapChannelMessages();
        routes.MapChannelEvents();
        routes.MapFeedback();
        routes.MapModel(options.AuthToken);
        routes.MapModelFile(options.AuthToken);
        routes.MapConversations(options.AuthToken);
        routes.MapRasaConversations(options.AuthToken);
        routes.MapDomain(options.AuthToken);
        routes.MapModelTests(options.AuthToken);
        routes.MapModelTrain(options.AuthToken);
        routes.MapErasure(options.AuthToken);
        routes.MapOperations(options.AuthToken);
        routes.MapKnowledge(options.AuthToken);
        routes.MapNlg(options.AuthToken);
        routes.MapWebChat();
        app.MapAgentConsole(routes);
        return app;
    }

    private static string ListenUrl(KefuServerOptions options)
    {
        var host = IPAddress.TryParse(options.Host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{options.Host}]"
            : options.Host;
        return $"http://{host}:{options.Port}";
    }
}
