using System.CommandLine;
using Kefu.Dialogue;
using Kefu.Projects;
using Kefu.Server;
using Kefu.Server.Agents;
using Kefu.Server.Storage;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu corrections export`: the console's correction-inbox export (<see cref="CorrectionExport"/>) from the command
/// line, reading the decisions in .kefu/console.db and the texts in the conversation store as `kefu serve` finds them
/// (--db, else endpoints.yml's tracker_store, else PROJECT/.kefu/conversations.db). `kefu train
/// --retrain-from-corrections` runs the same export first (docs/agents.md, "Correction inbox").
/// </summary>
internal static class CorrectionsCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var db = Db();
        var export = new Command("export", "Write the reviewed (confirmed and corrected) inbox items to PROJECT/data/corrections.yml, as the console's export does");
        export.Options.Add(project);
        export.Options.Add(db);
        export.SetAction(async (parse, ct) =>
        {
            var result = await ExportAsync(parse.GetValue(project)!, parse.GetValue(db), parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error, ct);
            return result is null ? 1 : 0;
        });
        var corrections = new Command("corrections", "The correction inbox's reviewed examples (docs/agents.md)");
        corrections.Subcommands.Add(export);
        return corrections;
    }

    public static Option<string?> Db() =>
        new("--db") { Description = "SQLite file of the conversations, as given to kefu serve (default PROJECT/.kefu/conversations.db); console.db is beside it" };

    /// <summary>
    /// Exports and reports (written file on stdout; duplicates, conflicts and problems on stderr). Null, with the reason
    /// on stderr and nothing written, when there is nothing reviewed to export or a store cannot be read.
    /// </summary>
    public static async Task<ExportResponse?> ExportAsync(string projectDirectory, string? db, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var directory = Path.GetFullPath(projectDirectory);
        if (!Directory.Exists(directory))
            return Fail(stderr, $"the project folder '{projectDirectory}' does not exist");
        try
        {
            var options = new KefuServerOptions { ProjectDirectory = directory, DatabasePath = db, Stores = StoreEndpoints.Load(directory) };
            var conversations = Path.GetFullPath(options.ResolvedDatabasePath);
            var consoleDb = Path.Combine(Path.GetDirectoryName(conversations)!, "console.db");
            if (!File.Exists(consoleDb))
                return Fail(stderr, $"no reviewed corrections: {consoleDb} does not exist (the console keeps its decisions there, beside the " +
                    "conversation database; give --db when kefu serve was given one); nothing exported");
            // ConsoleStore writes its schema into whatever file it opens: an empty console.db would become a database
            if (SqliteFiles.NotADatabase(consoleDb) is { } notSqlite)
                return Fail(stderr, $"cannot read the console's decisions in {consoleDb}: {notSqlite}; it was left as it was, nothing exported");
            var decisions = new CorrectionDecisions(new ConsoleStore(consoleDb), consoleDb).All();
            if (CorrectionExport.ReviewedCount(decisions) == 0)
                return Fail(stderr, $"no reviewed corrections in {consoleDb}: confirm or correct items in the console's correction inbox first; nothing exported");
            if (OpenStore(options) is not { } store)
                return Fail(stderr, $"the conversation database {conversations} does not exist; give --db as kefu serve was given it; nothing exported");
            ExportResponse export;
            try
            {
                export = await CorrectionExport.WriteAsync(store, decisions, directory, ct);
            }
            finally
            {
                (store as IDisposable)?.Dispose();
            }
            stdout.WriteLine($"{export.Path}: {export.Written} example(s) from {CorrectionExport.ReviewedCount(decisions)} reviewed correction(s)");
            foreach (var d in export.Duplicates) stderr.WriteLine($"duplicate, not written: {d}");
            foreach (var c in export.Conflicts) stderr.WriteLine($"conflict, not written until a trainer settles it: {c}");
            foreach (var p in export.Problems) stderr.WriteLine($"problem: {p}");
            return export;
        }
        catch (ProjectException e)
        {
            foreach (var diagnostic in e.Diagnostics) stderr.WriteLine(diagnostic);
            return null;
        }
        catch (Exception e) when (e is ConversationStoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            return Fail(stderr, e.Message);
        }
    }

    /// <summary>
    /// The conversation store `kefu serve` would use with these options (PostgreSQL from endpoints.yml, else the SQLite file);
    /// null when that SQLite file does not exist. Not exclusive: reading beside a running server is safe (WAL). Read-only,
    /// so that a --db given by mistake (an empty file, another program's database) is refused, not made a store.
    /// </summary>
    public static IEventStore? OpenStore(KefuServerOptions options) =>
        options.Stores.PostgresConnectionString is { } postgres ? new PostgresEventStore(postgres)
        : File.Exists(options.ResolvedDatabasePath) ? SqliteEventStore.OpenReadOnly(options.ResolvedDatabasePath) : null;

    private static ExportResponse? Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"kefu: {message}");
        return null;
    }
}
