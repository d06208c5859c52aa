using System.Diagnostics;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Server.Agents;
using Kefu.Server.Storage;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Cli;

/// <summary>
/// `kefu corrections export` and `kefu train --retrain-from-corrections` as processes, on a conversation store and a
/// console.db written here as `kefu serve` and the console write them (docs/agents.md, "Correction inbox").
/// </summary>
public sealed class RetrainProcessTests
{
    private const string HeldOut = """
        version: "3.1"
        nlu:
        - intent: goodbye
          examples: |
            - 拜拜
            - 再见
        - intent: greet
          examples: |
            - 你好
        """;

    internal static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>One conversation per message: the user's text with the NLU's reading, then the trainer's decision on it.</summary>
    static async Task Seed(string database, params (string Id, string Text, string Predicted, string Decision, string? Intent)[] items)
    {
        using (var store = new SqliteEventStore(database))
            foreach (var (id, text, predicted, _, _) in items)
            {
                var guess = new IntentPrediction(predicted, 0.41f);
                await store.AppendAsync(id, [RasaEventJson.ToStored(new UserUttered(text, new NluParse(text, guess, [guess], [])))]);
            }
        var consoleDb = Path.Combine(Path.GetDirectoryName(database)!, "console.db");
        var decisions = new CorrectionDecisions(new ConsoleStore(consoleDb), consoleDb);
        foreach (var (id, _, predicted, decision, intent) in items)
            Assert.True(decisions.Decide(id, 0, new CorrectionDecision(decision, decision == "confirm" ? predicted : intent, [], "tina",
                DateTimeOffset.Parse("2026-12-06T05:02:11Z")), overrideExisting: false));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the child process opens the files next
    }

    [Fact]
    public async Task Retraining_exports_the_reviewed_corrections_and_promotes_a_candidate_that_is_not_worse()
    {
        using var project = TempProject.Valid(("heldout.yml", HeldOut));
        Assert.Equal(0, (await Run("train", "--project", project.Dir)).Code);
        var database = project.PathOf("store/c.db");
        await Seed(database,
            ("c-1", "拜拜", "chitchat", "correct", "goodbye"),     // written, corrected
            ("c-2", "在不在", "greet", "confirm", null),           // written, confirmed
            ("c-3", "我是机器人", "chitchat", "dismiss", null),     // not training data
            ("c-4", "你好", "greet", "correct", "chitchat"),       // a conflict: 你好 is greet in data/nlu.yml
            ("c-5", "再见", "goodbye", "confirm", null));          // a duplicate of data/nlu.yml

        var run = await Run("train", "--project", project.Dir, "--retrain-from-corrections", "--test-data", project.PathOf("heldout.yml"), "--db", database);

        Assert.True(run.Code == 0, run.Out + run.Err);
        Assert.Contains("2 example(s) from 4 reviewed correction(s)", run.Out);
        Assert.Contains("conflict, not written until a trainer settles it: '你好'", run.Err);
        Assert.Contains("duplicate, not written: '再见'", run.Err);
        Assert.Contains("v2: intent accuracy", run.Out);
        Assert.Contains("promoted v2: not worse than v1", run.Out);
        var yaml = File.ReadAllText(project.PathOf("data/corrections.yml"));
        Assert.Contains("# conversation c-1, message 0, ", yaml);
        Assert.Contains("corrected from chitchat by tina at 2026-12-06T05:02:11Z\n- intent: goodbye\n  examples: |\n    - 拜拜\n", yaml);
        Assert.Contains("confirmed by tina", yaml);
        Assert.DoesNotContain("你好", yaml);
        Assert.DoesNotContain("机器人", yaml);
        var list = await Run("models", "list", "--project", project.Dir);
        Assert.Contains("* v2 ", list.Out);
        // The candidate trained on the corrections: its examples are the project's plus the two written ones.
        Assert.Contains(RegisteredTraining.DataHash(project.Dir)[..12], list.Out.Split('\n').Single(l => l.StartsWith("* v2 ")));
    }

    [Fact]
    public async Task Corrections_export_writes_the_file_the_console_writes()
    {
        using var project = TempProject.Valid();
        var database = project.PathOf(".kefu/conversations.db");
        await Seed(database, ("c-1", "拜拜", "chitchat", "correct", "goodbye"), ("c-2", "你好", "greet", "correct", "chitchat"));

        var export = await Run("corrections", "export", "--project", project.Dir);

        Assert.True(export.Code == 0, export.Err);
        Assert.Equal($"{Path.GetFullPath(project.PathOf("data/corrections.yml"))}: 1 example(s) from 2 reviewed correction(s)", export.Out.Trim());
        Assert.Contains("conflict, not written until a trainer settles it: '你好'", export.Err);
        var written = File.ReadAllText(project.PathOf("data/corrections.yml"));
        using (var store = new SqliteEventStore(database))
        {
            var consoleDb = project.PathOf(".kefu/console.db");
            var console = await CorrectionExport.WriteAsync(store, new CorrectionDecisions(new ConsoleStore(consoleDb), consoleDb).All(), project.Dir, default);
            Assert.Equal(1, console.Written);
        }
        Assert.Equal(File.ReadAllText(project.PathOf("data/corrections.yml")), written);
        Assert.Contains("- intent: goodbye", written);
    }

    [Fact]
    public async Task Corrections_export_refuses_an_empty_file_for_either_database_and_leaves_it_empty()
    {
        using var project = TempProject.Valid();
        await Seed(project.PathOf("store/conversations.db"), ("c-1", "拜拜", "chitchat", "correct", "goodbye"));
        string empty = project.PathOf("store/empty.db");
        File.WriteAllBytes(empty, []);

        var export = await Run("corrections", "export", "--project", project.Dir, "--db", empty);

        Assert.Equal(1, export.Code);
        Assert.Equal($"kefu: cannot read the conversation database '{Path.GetFullPath(empty)}': the file is empty, not a SQLite database " +
            "(kefu serve writes one); it was left as it was", export.Err.Trim());
        Assert.Equal(0, new FileInfo(empty).Length);
        Assert.False(File.Exists(project.PathOf("data/corrections.yml")));

        // the console's decisions are read from console.db beside --db: an empty one is not made a database either
        string consoleDb = project.PathOf("other/console.db");
        Directory.CreateDirectory(project.PathOf("other"));
        File.WriteAllBytes(consoleDb, []);
        var console = await Run("corrections", "export", "--project", project.Dir, "--db", project.PathOf("other/conversations.db"));
        Assert.Equal(1, console.Code);
        Assert.Contains($"{Path.GetFullPath(consoleDb)}: the file is empty, not a SQLite database; it was left as it was", console.Err);
        Assert.Equal(0, new FileInfo(consoleDb).Length);
    }

    [Fact]
    public async Task Without_reviewed_corrections_nothing_is_exported_or_trained()
    {
        using var project = TempProject.Valid(("heldout.yml", HeldOut));
        var database = project.PathOf(".kefu/conversations.db");
        string[] retrain = ["train", "--project", project.Dir, "--retrain-from-corrections", "--test-data", project.PathOf("heldout.yml")];

        var noConsole = await Run(retrain);
        Assert.Equal(1, noConsole.Code);
        Assert.Contains("no reviewed corrections", noConsole.Err);
        Assert.Contains("console.db does not exist", noConsole.Err);

        var noTestSet = await Run("train", "--project", project.Dir, "--retrain-from-corrections");
        Assert.Equal(1, noTestSet.Code);
        Assert.Contains("needs --test-data", noTestSet.Err);

        await Seed(database, ("c-1", "嗯嗯", "chitchat", "dismiss", null));
        var dismissedOnly = await Run(retrain);
        Assert.Equal(1, dismissedOnly.Code);
        Assert.Contains("no reviewed corrections in", dismissedOnly.Err);
        Assert.False(File.Exists(project.PathOf("data/corrections.yml")));

        await Seed(database, ("c-2", "你好", "greet", "correct", "chitchat"));
        var conflictOnly = await Run(retrain);
        Assert.Equal(1, conflictOnly.Code);
        Assert.Contains("conflict, not written until a trainer settles it: '你好'", conflictOnly.Err);
        Assert.Contains("no example to train on", conflictOnly.Err);
        Assert.DoesNotContain("你好", File.ReadAllText(project.PathOf("data/corrections.yml")));

        // a test set that is not there stops the run before the export rewrites data/corrections.yml
        await Seed(database, ("c-3", "拜拜", "greet", "correct", "goodbye"));
        string before = File.ReadAllText(project.PathOf("data/corrections.yml"));
        var missingTestSet = await Run("train", "--project", project.Dir, "--retrain-from-corrections", "--test-data", "no/such/heldout.yml");
        Assert.Equal(1, missingTestSet.Code);
        Assert.Contains("--test-data no/such/heldout.yml: no such file", missingTestSet.Err);
        Assert.Equal(before, File.ReadAllText(project.PathOf("data/corrections.yml")));

        Assert.False(Directory.Exists(project.PathOf("models/versions")) && Directory.EnumerateFiles(project.PathOf("models/versions")).Any());
        Assert.DoesNotContain("   at ", noConsole.Err + dismissedOnly.Err + conflictOnly.Err);
    }
}
