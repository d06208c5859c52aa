using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Nlu;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu bench crosswoz`: dialog-act F1 on CrossWOZ as ConvLab-2's BERTNLU evaluation counts it (docs/benchmarks.md,
/// "CrossWOZ (issue 14)"). The target protocol on the shared dev file: --train-dialogues 0:400 --test-dialogues 400:500.
/// </summary>
internal static class CrossWozCommand
{
    internal sealed record Settings(string Train, string Test, DialogueRange TrainDialogues, DialogueRange TestDialogues,
        string Role, string Pipeline, string? Config, bool Json, string? Predictions = null,
        double? PartThreshold = null, string? Database = null);

    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "CrossWOZ JSON file to train on (e.g. ../shared/datasets/crosswoz/dev.json)", Required = true };
        var test = new Option<string>("--test") { Description = "CrossWOZ JSON file to test on (may be the training file, with disjoint ranges)", Required = true };
        var trainDialogues = new Option<string>("--train-dialogues") { Description = "Dialogues of --train, in file order: START:END (end exclusive), START:, or N for the first N", DefaultValueFactory = _ => ":" };
        var testDialogues = new Option<string>("--test-dialogues") { Description = "Dialogues of --test, same form", DefaultValueFactory = _ => ":" };
        var role = new Option<string>("--role") { Description = "Messages to train and test on: usr (the user's), sys or all", DefaultValueFactory = _ => "usr" };
        role.AcceptOnlyFromAmong("usr", "sys", "all");
        var pipeline = new Option<string>("--pipeline") { Description = $"NLU pipeline: {string.Join(", ", NluPipelines.Names)}", DefaultValueFactory = _ => NluPipelines.Default };
        var config = new Option<string?>("--config") { Description = "A config.yml whose pipeline is benchmarked (e.g. a DIETClassifier with options); overrides --pipeline" };
        var json = new Option<bool>("--json") { Description = "Print the figures as one line of JSON" };
        var partThreshold = new Option<double?>("--part-threshold") { Description = "Read the label parts whose marginal probability (summed over the labels holding them) reaches this, instead of the top label's parts" };
        var database = new Option<string?>("--database") { Description = "A CrossWOZ database folder whose place names become lookup tables (景点名称, 餐馆名称, 酒店名称), as a project's `lookup:` would" };
        var predictions = new Option<string?>("--predictions") { Description = "Write each test message's gold and predicted acts to this file (JSON lines)" };
        var command = new Command("crosswoz", "Train on CrossWOZ dialogues, test on others: precision, recall and F1 of (intent, domain, slot, value) dialog acts");
        foreach (var o in new Option[] { train, test, trainDialogues, testDialogues, role, pipeline, config, json, partThreshold, predictions, database }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                var settings = new Settings(parse.GetValue(train)!, parse.GetValue(test)!,
                    DialogueRange.Parse(parse.GetValue(trainDialogues)!), DialogueRange.Parse(parse.GetValue(testDialogues)!),
                    parse.GetValue(role)!, parse.GetValue(pipeline)!, parse.GetValue(config), parse.GetValue(json),
                    parse.GetValue(predictions), parse.GetValue(partThreshold), parse.GetValue(database));
                return Run(settings, Console.Out, Console.Error);
            }
            catch (ProjectException e)
            {
                foreach (var d in e.Diagnostics) Console.Error.WriteLine(d);
                return 1;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    internal static int Run(Settings s, TextWriter output, TextWriter log)
    {
        if (s.PartThreshold is { } threshold && threshold is not (> 0 and <= 1))
            throw new ArgumentException($"--part-threshold must be in (0, 1], got {threshold}");
        var progress = new SynchronousProgress(log);
        var trainer = TrainerFor(s, progress, log);
        var trainFile = CrossWozReader.Load(s.Train);
        var testFile = Path.GetFullPath(s.Test) == Path.GetFullPath(s.Train) ? trainFile : CrossWozReader.Load(s.Test);
        if (ReferenceEquals(trainFile, testFile) && s.TrainDialogues.Overlaps(s.TestDialogues, trainFile.Count))
            throw new ArgumentException($"training dialogues {s.TrainDialogues} and test dialogues {s.TestDialogues} of {s.Train} overlap");
        var trainTurns = CrossWozReader.Turns(s.TrainDialogues.Of(trainFile), s.Role);
        var testTurns = CrossWozReader.Turns(s.TestDialogues.Of(testFile), s.Role);
        log.WriteLine($"[kefu] training on dialogues {s.TrainDialogues} of {s.Train}, testing on dialogues {s.TestDialogues} of {s.Test} " +
            $"({s.Role} messages: {trainTurns.Count} and {testTurns.Count})");
        var lookups = s.Database is { } folder ? CrossWozReader.PlaceNameLookups(folder) : null;
        if (lookups is not null)
            log.WriteLine($"[kefu] lookup tables from {s.Database}: {string.Join(", ", lookups.Select(l => $"{l.Name} ({l.Elements.Count})"))}");
        var (result, turns) = CrossWozBenchmark.Run(trainTurns, testTurns, trainer, progress, s.PartThreshold, lookups);
        if (s.Predictions is { } path) WritePredictions(turns, path);
        if (s.Json) WriteJson(result, s.PartThreshold, output);
        else WriteTable(result, output);
        return 0;
    }

    /// <summary>As `kefu nlu bench`: the named pipeline's linear NLU, or what a config.yml's pipeline asks for.</summary>
    static Func<NluTrainingData, NluModel> TrainerFor(Settings s, IProgress<string> progress, TextWriter log)
    {
        if (s.Config is null)
        {
            var config = NluPipelines.Get(s.Pipeline);
            return data => NluTrainer.Train(data, config, progress);
        }
        var projectConfig = ProjectConfig.Load(s.Config, w => log.WriteLine(w));
        return ProjectTrainer.NluTrainerFor(projectConfig, ProjectTrainer.NluConfigFor(projectConfig), progress);
    }

    static void WriteJson(CrossWozBenchResult r, double? partThreshold, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("precision", Math.Round(r.Overall.Precision, 4));
            w.WriteNumber("recall", Math.Round(r.Overall.Recall, 4));
            w.WriteNumber("f1", Math.Round(r.Overall.F1, 4));
            w.WriteNumber("f1_no_value", Math.Round(r.NoValue.F1, 4));
            w.WriteNumber("slot_f1", Math.Round(r.SlotActs.F1, 4));
            w.WriteNumber("intent_f1", Math.Round(r.OtherActs.F1, 4));
            w.WriteNumber("train_seconds", Math.Round(r.TrainSeconds, 3));
            w.WriteNumber("test_seconds", Math.Round(r.TestSeconds, 3));
            w.WriteNumber("n_train", r.NTrain);
            w.WriteNumber("n_test", r.NTest);
            w.WriteNumber("n_labels", r.Labels);
            w.WriteNumber("n_entity_types", r.EntityTypes);
            if (partThreshold is { } threshold) w.WriteNumber("part_threshold", threshold);
            w.WriteEndObject();
        }
        // one line: scripts take the last line of stdout (bench/nlu/crosswoz.sh)
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>One line a test message: {"text", "intent" (read), "ranking": [[label, probability]...], "gold": [[i, d, s, v]...], "predicted": [...]}.</summary>
    static void WritePredictions(IReadOnlyList<CrossWozBenchmark.TurnResult> turns, string path)
    {
        using var file = File.Create(path);
        foreach (var t in turns)
        {
            using (var w = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteString("text", t.Turn.Text);
                w.WriteString("intent", t.PredictedIntent);
                w.WriteStartArray("ranking");
                foreach (var r in t.Ranking)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(r.Name);
                    w.WriteNumberValue(Math.Round(r.Confidence, 5));
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                WriteActs(w, "gold", t.Turn.Acts);
                WriteActs(w, "predicted", t.Predicted);
                w.WriteEndObject();
            }
            file.WriteByte((byte)'\n');
        }

        static void WriteActs(Utf8JsonWriter w, string name, IReadOnlyList<DialogAct> acts)
        {
            w.WriteStartArray(name);
            foreach (var a in acts)
            {
                w.WriteStartArray();
                foreach (var field in new[] { a.Intent, a.Domain, a.Slot, a.Value }) w.WriteStringValue(field);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
    }

    static void WriteTable(CrossWozBenchResult r, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        (string, string)[] rows =
        [
            ("precision", r.Overall.Precision.ToString("F4", inv)),
            ("recall", r.Overall.Recall.ToString("F4", inv)),
            ("F1", r.Overall.F1.ToString("F4", inv)),
            ("F1 without values", r.NoValue.F1.ToString("F4", inv)),
            ("F1 of slot acts (spans)", r.SlotActs.F1.ToString("F4", inv)),
            ("F1 of other acts (labels)", r.OtherActs.F1.ToString("F4", inv)),
            ("acts TP / FP / FN", $"{r.Overall.TruePositives} / {r.Overall.FalsePositives} / {r.Overall.FalseNegatives}"),
            ("train seconds", r.TrainSeconds.ToString("F2", inv)),
            ("test seconds", r.TestSeconds.ToString("F2", inv)),
            ("train turns", r.NTrain.ToString(inv)),
            ("test turns", r.NTest.ToString(inv)),
            ("labels / entity types", $"{r.Labels} / {r.EntityTypes}"),
        ];
        int width = rows.Max(x => x.Item1.Length);
        foreach (var (name, value) in rows) output.WriteLine($"{name.PadRight(width)}  {value}");
    }
}
