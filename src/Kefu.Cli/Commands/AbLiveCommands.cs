using System.CommandLine;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Experiments;
using Kefu.Models;
using Kefu.Server.Storage;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu ab start | stop | status | promote`: live experiments in PROJECT/models/experiments.json, which a running
/// `kefu serve` of the project follows by itself (docs/experiments.md, "Live experiments").
/// </summary>
internal static class AbLiveCommands
{
    public static IEnumerable<Command> Create() => [Start(), Stop(), Status(), Promote()];

    static Command Start()
    {
        var project = CommonOptions.Project();
        var b = new Option<string>("--b") { Description = "The version arm B serves (the candidate: v2, ...; see kefu models list)", Required = true };
        var a = new Option<string?>("--a") { Description = "The version arm A serves (the baseline; default: the promoted version)" };
        var weight = new Option<double>("--weight") { Description = "B's share of the conversations, between 0 and 1", DefaultValueFactory = _ => 0.5 };
        var name = new Option<string?>("--name") { Description = "The experiment's name (default: A-vs-B, e.g. v1-vs-v2); a name assigns conversations to arms" };
        var command = new Command("start", "Start serving two model versions side by side: each new conversation goes to arm A or B by a stable hash")
            { project, b, a, weight, name };
        command.SetAction(parse => Guard(parse, output =>
        {
            using var registry = ModelRegistry.Lock(Models(parse, project));
            var experiment = LiveExperiments.Start(registry, parse.GetValue(b)!, parse.GetValue(a), parse.GetValue(weight), parse.GetValue(name), DateTimeOffset.UtcNow);
            output.WriteLine($"started experiment {experiment.Name}: {LiveExperiments.Describe(experiment)}; a running kefu serve of the project routes conversations to both");
            return 0;
        }));
        return command;
    }

    static Command Stop()
    {
        var project = CommonOptions.Project();
        var command = new Command("stop", "Stop the running experiment: every conversation is served by the promoted version again") { project };
        command.SetAction(parse => Guard(parse, output =>
        {
            using var registry = ModelRegistry.Lock(Models(parse, project));
            var stopped = LiveExperiments.Stop(registry, DateTimeOffset.UtcNow);
            output.WriteLine($"stopped experiment {stopped.Name}; serving the promoted version {registry.Contents.Promoted ?? "(none)"} again");
            return 0;
        }));
        return command;
    }

    static Command Status()
    {
        var project = CommonOptions.Project();
        var json = new Option<bool>("--json") { Description = "Print the experiments as JSON" };
        var command = new Command("status", "The running experiment (or the last one) and its arms") { project, json };
        command.SetAction(parse => Guard(parse, output =>
        {
            var experiments = LiveExperiments.Read(Models(parse, project));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    running = experiments.Running?.Name,
                    experiments = experiments.Experiments.Select(e => new
                    {
                        name = e.Name, started = e.Started, stopped = e.Stopped, promoted = e.Promoted,
                        arms = e.Arms.Select(x => new { arm = x.Name, version = x.Version, weight = x.Weight }),
                    }),
                }));
                return 0;
            }
            if (experiments.Current is not { } current)
            {
                output.WriteLine("no experiment has been started (kefu ab start --b VERSION begins one)");
                return 0;
            }
            output.WriteLine(current.Running
                ? $"running: {current.Name} since {current.Started.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {LiveExperiments.Describe(current)}"
                : $"none running; the last, {current.Name}, ran {current.Started.UtcDateTime:yyyy-MM-dd HH:mm} to {current.Stopped!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC " +
                  $"({LiveExperiments.Describe(current)}){(current.Promoted is { } p ? $" and promoted arm {p} ({current.Arm(p)?.Version})" : "")}");
            return 0;
        }));
        return command;
    }

    static Command Promote()
    {
        var project = CommonOptions.Project();
        var db = Db();
        var arm = new Option<string?>("--arm") { Description = "Promote this arm (A or B) whatever the report says" };
        var command = new Command("promote", "Promote the winning arm's version through the registry and stop the experiment: " +
            "B when it is better on a metric and worse on none, A when B is worse on any; with no winner yet, name one with --arm") { project, db, arm };
        command.SetAction((parse, ct) => GuardAsync(parse, async output =>
        {
            string models = Models(parse, project);
            var running = LiveExperiments.Read(models).Running ?? throw new ExperimentException("no experiment is running (kefu ab start begins one)");
            string? chosen = parse.GetValue(arm);
            if (chosen is null)
            {
                var report = await ReportAsync(parse.GetValue(project)!, parse.GetValue(db), running, ct);
                chosen = LiveExperiments.Winner(report, LiveExperiments.B) ?? throw new ExperimentException(
                    $"experiment {running.Name} has no winner yet (no metric shows B better or worse at alpha 0.05; see kefu ab report); " +
                    "let it run longer, or promote an arm anyway with --arm A or --arm B");
            }
            using var registry = ModelRegistry.Lock(models);
            string? before = registry.Contents.Promoted;
            var (stopped, version) = LiveExperiments.Promote(registry, chosen, DateTimeOffset.UtcNow);
            output.WriteLine($"promoted {version.Id}, arm {chosen} of experiment {stopped.Name} (was {before ?? "none"}); the experiment is stopped");
            return 0;
        }));
        return command;
    }

    public static Option<string?> Db() =>
        new("--db") { Description = "SQLite file of the conversations (default: endpoints.yml's tracker_store, else PROJECT/.kefu/conversations.db)" };

    static string Models(ParseResult parse, Option<string> project) => ModelRegistry.ModelsDirectory(parse.GetValue(project)!);

    /// <summary>The experiment's report from the stored conversations, arm A the baseline.</summary>
    public static async Task<AbReport> ReportAsync(string project, string? db, LiveExperiment experiment, CancellationToken ct, AbReportOptions? options = null)
    {
        List<Outcome> outcomes;
        var store = OpenStore(project, db);
        try
        {
            outcomes = await StoredOutcomes.ReadAsync(store, experiment.Name, ct);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
        return StoredOutcomes.Report(experiment, outcomes, options);
    }

    /// <summary>The project's conversation store, read beside a running server (SQLite in WAL mode lets readers in); read-only, as a report only reads.</summary>
    static IEventStore OpenStore(string project, string? db)
    {
        var endpoints = StoreEndpoints.Load(Path.GetFullPath(project));
        if (db is null && endpoints.PostgresConnectionString is { } postgres) return new PostgresEventStore(postgres);
        string path = Path.GetFullPath(db ?? endpoints.SqlitePath ?? Path.Combine(Path.GetFullPath(project), ".kefu", "conversations.db"));
        if (!File.Exists(path)) throw new ExperimentException($"no conversation database at {path}: give the one kefu serve writes with --db");
        return SqliteEventStore.OpenReadOnly(path);
    }

    /// <summary>Which experiment a report is about: the named one, else the running one, else the last.</summary>
    public static LiveExperiment Experiment(string project, string? name)
    {
        var experiments = LiveExperiments.Read(ModelRegistry.ModelsDirectory(project));
        if (name is not null)
            return experiments.Find(name) ?? throw new ExperimentException($"no experiment named {name}; the experiments are " +
                (experiments.Experiments.Count == 0 ? "none yet (kefu ab start begins one)" : string.Join(", ", experiments.Experiments.Select(e => e.Name))));
        return experiments.Current ?? throw new ExperimentException("no experiment has been started (kefu ab start begins one); " +
            "for a file of outcomes use --outcomes FILE");
    }

    static int Guard(ParseResult parse, Func<TextWriter, int> run) =>
        GuardAsync(parse, output => Task.FromResult(run(output))).GetAwaiter().GetResult();

    public static async Task<int> GuardAsync(ParseResult parse, Func<TextWriter, Task<int>> run)
    {
        try
        {
            return await run(parse.InvocationConfiguration.Output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ModelArchiveException or ConversationStoreException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"kefu: {e.Message}");
            return 1;
        }
    }
}
