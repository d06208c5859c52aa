using System.CommandLine;
using Kefu.Generation.Nlg;
using Kefu.Knowledge;
using Kefu.Dialogue;
using Kefu.Server;
using Kefu.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Cli.Commands;

/// <summary>`kefu serve`: the REST API and web chat; trains first when the project has no up-to-date model.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var model = CommonOptions.Model();
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => 5005 };
        var token = new Option<string?>("--token") { Description = "Require this bearer token on the non-public endpoints" };
        var db = new Option<string?>("--db") { Description = "SQLite file for conversations (default PROJECT/.kefu/conversations.db)" };
        var gcBudget = new Option<double>("--gc-budget-mb")
        {
            Description = "MB allocated between two garbage collections: smaller means shorter, more frequent pauses (0: the runtime's own, ~14 MB)",
            DefaultValueFactory = _ => 2,
        };
        var allowedHosts = new Option<string[]>("--allowed-hosts")
        {
            Description = "Host names the server answers to: kefu.example.com, *.example.com, * for any; " +
                          "default localhost, 127.0.0.1, [::1] when bound to loopback, any otherwise",
            AllowMultipleArgumentsPerToken = true,
        };
        var corsOrigins = new Option<string[]>("--cors-origins", "--cors")
        {
            Description = "Origins of other sites' pages that may call the server and frame the web chat (embed.js): https://shop.example.com; * for any, without framing; default none",
            AllowMultipleArgumentsPerToken = true,
        };
        var defaults = new ServerLimits();
        var maxBody = AtLeastOne("--max-body-kb", "Largest request body in KiB (413 above it)", 256);
        var maxMessage = AtLeastOne("--max-message-chars", "Longest message text, in characters (Unicode scalar values)", defaults.MaxMessageCharacters);
        var maxId = AtLeastOne("--max-id-chars", "Longest sender id or agent name, in characters", defaults.MaxIdCharacters);
        var maxEvents = AtLeastOne("--max-conversation-events", "Events one conversation may hold (409 above it)", defaults.MaxConversationEvents);
        var pageSize = AtLeastOne("--max-page-messages", "Messages per answer of the poll route (its limit's default and most)", defaults.MaxMessagesPerPage);
        var inMemory = AtLeastOne("--max-events-in-memory", "Events of one conversation the engine keeps in memory; older ones stay in the database", defaults.MaxEventsInMemory);
        var logFormat = new Option<LogFormat>("--log-format")
        {
            Description = "Console log lines: text, or json (one JSON object a line, for a log collector)",
            DefaultValueFactory = _ => LogFormat.Text,
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe log lines written: trace, debug, information (a line per request and per turn), warning, error, critical, none",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var shutdownTimeout = AtLeastOne("--shutdown-timeout", "Seconds a stop (SIGTERM, Ctrl+C) waits for running turns to finish and be stored", 30);
        var command = new Command("serve", "Serve the bot: Rasa-compatible REST API and a web chat; every option can also be set by its environment variable")
        {
            project, model, host, port, token, db, gcBudget, allowedHosts, corsOrigins, maxBody, maxMessage, maxId, maxEvents, pageSize, inMemory,
            logFormat, logLevel, shutdownTimeout,
        };
        var rasaRun = new RasaRunOptions();
        rasaRun.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() => RunAsync(rasaRun.Apply(parse, new KefuServerOptions
        {
            ProjectDirectory = Path.GetFullPath(parse.GetValue(project)!),
            Stores = StoreEndpoints.Load(Path.GetFullPath(parse.GetValue(project)!)),
            Channels = Kefu.Server.Channels.ChannelSettings.Load(Path.GetFullPath(parse.GetValue(project)!)),
            Retention = Kefu.Privacy.PrivacySettings.Load(Path.GetFullPath(parse.GetValue(project)!)).RetentionDays is { } days ? TimeSpan.FromDays(days) : null,
            Host = parse.GetValue(host)!,
            Port = parse.GetValue(port),
            AuthToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("KEFU_TOKEN"),
            DatabasePath = parse.GetValue(db),
            CollectionBudgetBytes = (long)(Math.Max(0, parse.GetValue(gcBudget)) * 1024 * 1024),
            AllowedHosts = List(parse.GetValue(allowedHosts), "KEFU_ALLOWED_HOSTS") is { Length: > 0 } hosts ? hosts : null,
            CorsOrigins = List(parse.GetValue(corsOrigins), "KEFU_CORS_ORIGINS"),
            MaxRequestBodyBytes = parse.GetValue(maxBody) * 1024L,
            LogFormat = parse.GetValue(logFormat),
            LogLevel = parse.GetValue(logLevel),
            ShutdownTimeout = TimeSpan.FromSeconds(parse.GetValue(shutdownTimeout)),
            Limits = new ServerLimits
            {
                MaxMessageCharacters = parse.GetValue(maxMessage),
                MaxIdCharacters = parse.GetValue(maxId),
                MaxConversationEvents = parse.GetValue(maxEvents),
                MaxMessagesPerPage = parse.GetValue(pageSize),
                MaxEventsInMemory = parse.GetValue(inMemory),
            },
        }), parse.GetValue(model), ct)));
        return command;
    }

    /// <summary>
    /// How long System.CommandLine lets an action run after SIGTERM or Ctrl+C before InvokeAsync gives up on it and returns
    /// 130/143 (its default is 2 s): for serve, past --shutdown-timeout, so that the host's stop, which lets running turns
    /// finish, decides when serve returns 0, rather than the host's ProcessExit handler holding an exit already begun.
    /// </summary>
    public static TimeSpan TerminationTimeout(ParseResult parse) =>
        parse.CommandResult.Command is { Name: "serve" } serve
        && serve.Options.FirstOrDefault(o => o.Name == "--shutdown-timeout") is Option<int> timeout
        && parse.GetValue(timeout) is > 0 and var seconds
            ? TimeSpan.FromSeconds(seconds + 10)
            : TimeSpan.FromSeconds(2);

    /// <summary>The option's values, else the variable's; either may separate them by commas or spaces.</summary>
    private static string[] List(string[]? values, string variable) =>
        (values is { Length: > 0 } ? values : [Environment.GetEnvironmentVariable(variable) ?? ""])
        .SelectMany(v => v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .ToArray();

    private static Option<int> AtLeastOne(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError($"{name} must be at least 1");
        });
        return option;
    }

    private static async Task<int> RunAsync(KefuServerOptions options, string? modelPath, CancellationToken ct)
    {
        if (!Directory.Exists(options.ProjectDirectory))
        {
            Console.Error.WriteLine($"kefu: the project folder '{options.ProjectDirectory}' does not exist; give a bot project with --project (e.g. samples/ecommerce-zh) or run kefu init");
            return 1;
        }
        try
        {
            options.ValidateSecuritySettings();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"kefu: {e.Message}");
            return 1;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ResolvedDatabasePath))!);
        // The model loads (or trains) on one core while ASP.NET starts on the other; until it is ready the
        // server is live (/healthz) and answers 503 on the chat routes.
        var loading = Task.Run(() => BotLoader.LoadOrTrain(options.ProjectDirectory, modelPath, Console.Error), ct);
        var knowledgeLoading = Task.Run(() => Kefu.Server.Knowledge.ProjectKnowledge.Open(options.ProjectDirectory, Console.Error), ct);
        // Disposed at the end: the store then moves its write-ahead log into the .db file (docs/server.md, "Backups").
        await using var app = KefuServer.Build(options, ServeModels.AddSwappableEngine);
        // Regex entity patterns that time out on a message are logged once each (docs/project-format.md, "Limits").
        Kefu.Nlu.Entities.PatternRegex.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kefu.Nlu.EntityPatterns");
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine($"kefu: port {options.Port} on {options.Host} is already in use (another kefu serve?); stop it or choose another with --port");
            return 1;
        }
        catch (Kefu.Server.Storage.ConversationStoreException e)
        {
            // a service that starts with the host opened the store first (the agent console's queue): same one line as StoreCheck's
            Console.Error.WriteLine($"kefu: {e.Message}");
            return 1;
        }
        RegistryWatcher? watcher = null;
        try
        {
            // The store is checked (schema version, PRAGMA quick_check) while the model loads; a bad one was logged in one line.
            if (await app.Services.GetRequiredService<StoreCheck>().Completion is not null)
            {
                await app.StopAsync(CancellationToken.None);
                return 1;
            }
            var bot = await loading;
            var knowledge = await knowledgeLoading;
            app.Services.GetRequiredService<LoadedLater<KnowledgeService>>().Set(knowledge);
            // endpoints.yml nlg: {model: ...}: the local generator answering POST /nlg and action_generate_response (docs/generation.md, "In a bot")
            var generator = LocalNlgConfig.Load(options.ProjectDirectory)?.CreateRewriter(Console.Error);
            app.Services.GetRequiredService<LoadedLater<RasaNlgServer>>().Set(generator is null ? null : new RasaNlgServer(bot.Project.Domain, generator));
            // every model loaded (at start, promoted, PUT /model) gets the same store, locks, knowledge and generator
            watcher = ServeModels.Start(app, options.ProjectDirectory, bot, pinned: modelPath is not null, loaded =>
            {
                // an unreachable Duckling server is a warning in the server's log
                if (loaded.Nlu.Duckling is { } duckling)
                    duckling.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<Kefu.Nlu.Extractors.Duckling.DucklingEntityExtractor>();
                return BotLoader.CreateAgent(loaded, app.Services.GetRequiredService<IEventStore>(),
                    app.Services.GetRequiredService<ILogger<DialogueAgent>>(), options.Limits.MaxEventsInMemory, knowledge,
                    app.Services.GetService<IConversationLocks>(), generator,
                    // the served project's endpoints.yml, not the copy inside a --model archive (docs/privacy.md)
                    Kefu.Privacy.PrivacySettings.Load(options.ProjectDirectory), options.ProjectDirectory,
                    app.Services.GetRequiredService<Kefu.Server.Reminders.ReminderService>());
            });
        }
        catch
        {
            await app.StopAsync(CancellationToken.None);
            throw;
        }
        Console.Error.WriteLine($"Kefu is serving {Path.GetFileName(options.ProjectDirectory)} at {string.Join(", ", app.Urls)} (web chat at /, API at /webhooks/rest/webhook). Ctrl+C stops.");
        if (options.AllowedHosts is null && options.ResolvedAllowedHosts.Contains("*"))
            Console.Error.WriteLine($"Listening on {options.Host}: any Host header is accepted; name the ones clients use with --allowed-hosts to stop DNS rebinding.");
        await app.WaitForShutdownAsync(ct);
        if (watcher is not null) await watcher.DisposeAsync();
        return 0;
    }
}
