using System.CommandLine;
using Kefu.Models;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Rasa 3.x project folder", DefaultValueFactory = _ => "." };
        var output = new Option<string?>("--out") { Description = "Model archive to write, outside the registry (default: a new version in PROJECT/models, promoted)" };
        var candidate = new Option<bool>("--candidate") { Description = "Promote the new version only when it scores no worse than the promoted one on --test-data" };
        var testData = new Option<string?>("--test-data") { Description = "Fixed test set (Rasa nlu.yml, CSV text,intent or JSON lines): both versions' intent scores are recorded" };
        var retrain = new Option<bool>("--retrain-from-corrections") { Description = "Export the reviewed corrections to data/corrections.yml first (as kefu corrections export), then train a candidate through the gate (needs --test-data)" };
        var db = CorrectionsCommand.Db();
        var command = new Command("train", "Train the NLU and dialogue models of a project into one model archive, a version of PROJECT/models");
        command.Options.Add(project);
        command.Options.Add(output);
        command.Options.Add(candidate);
        command.Options.Add(testData);
        command.Options.Add(retrain);
        command.Options.Add(db);
        command.SetAction(async (parse, ct) =>
        {
            string directory = parse.GetValue(project)!;
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var fromCorrections = parse.GetValue(retrain);
            // checked before anything is written (the corrections export) or trained
            if (parse.GetValue(testData) is { } test && !File.Exists(test))
            {
                stderr.WriteLine($"kefu train: --test-data {test}: no such file (a path from the current folder, not from --project)");
                return 1;
            }
            if (fromCorrections)
            {
                if (parse.GetValue(output) is not null || parse.GetValue(testData) is null)
                {
                    stderr.WriteLine("kefu train: --retrain-from-corrections trains a candidate for the registry: it needs --test-data FILE " +
                                     "(the fixed test set the candidate and the promoted version are scored on) and does not go with --out");
                    return 1;
                }
                if (await CorrectionsCommand.ExportAsync(directory, parse.GetValue(db), stdout, stderr, ct) is not { } export)
                    return 1;
                if (export.Written == 0)
                {
                    stderr.WriteLine($"kefu train: {export.Path} has no example to train on (every reviewed correction is a duplicate, a conflict " +
                                     "or was erased); nothing trained");
                    return 1;
                }
            }
            else if (parse.GetValue(db) is not null)
            {
                stderr.WriteLine("kefu train: --db goes with --retrain-from-corrections");
                return 1;
            }
            var loaded = RasaProject.Read(directory);
            foreach (var diagnostic in loaded.Diagnostics) stderr.WriteLine(diagnostic);
            int errors = loaded.Diagnostics.Count(d => d.Severity == Severity.Error);
            if (errors > 0)
            {
                stderr.WriteLine($"kefu train: {errors} error(s) in {directory}; nothing trained");
                return 1;
            }
            if (!ActionsCheck.BuildAndList(loaded, stderr))
                return 1;
            try
            {
                if (parse.GetValue(output) is { } path)
                {
                    if (parse.GetValue(candidate) || parse.GetValue(testData) is not null)
                        throw new ArgumentException("--candidate and --test-data register a version in PROJECT/models; they do not go with --out");
                    Written(stdout, ProjectTrainer.Train(loaded, path, new SynchronousProgress(stderr)));
                    return 0;
                }
                var run = RegisteredTraining.Train(loaded, parse.GetValue(candidate) || fromCorrections, parse.GetValue(testData), new SynchronousProgress(stderr));
                Written(stdout, run.Training);
                if (run.Version.Test is { } mine)
                {
                    stdout.WriteLine(Score(run.Version.Id, mine));
                    if (run.PromotedScores is { } theirs) stdout.WriteLine(Score(run.ComparedWith!, theirs));
                }
                stdout.WriteLine(run.Decision);
                return run.Promoted || !(parse.GetValue(candidate) || fromCorrections) ? 0 : 2;
            }
            catch (ProjectException e)
            {
                foreach (var diagnostic in e.Diagnostics) stderr.WriteLine(diagnostic);
                return 1;
            }
            catch (Exception e) when (e is ModelArchiveException or IOException or ArgumentException or UnauthorizedAccessException
                or Kefu.Nlu.Data.NluDataException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    static void Written(TextWriter stdout, TrainingResult result) =>
        stdout.WriteLine($"{result.ModelPath} ({result.Nlu.Intents.Labels.Count} intents, " +
                         $"{result.Nlu.Entities?.EntityTypes.Count ?? 0} entity types, {result.Elapsed.TotalSeconds:F1} s)");

    static string Score(string version, TestScores scores) => FormattableString.Invariant(
        $"{version}: intent accuracy {scores.IntentAccuracy:F4}, macro F1 {scores.MacroF1:F4} on {scores.Examples} test examples");
}
