using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Evaluation;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands;

internal static class NluCommands
{
    public static Command Create()
    {
        var command = new Command("nlu", "Parse messages and benchmark intent and entity models");
        command.Subcommands.Add(CreateBench());
        command.Subcommands.Add(CreateParse());
        return command;
    }

    static Command CreateBench()
    {
        var train = new Option<string>("--train") { Description = "Training file: CSV (text,category), JSON lines or Rasa nlu.yml", Required = true };
        var test = new Option<string>("--test") { Description = "Test file, same formats", Required = true };
        var oosLabel = new Option<string?>("--oos-label") { Description = "Intent that marks out-of-scope examples (e.g. oos); without a FallbackClassifier threshold in --config, the fallback threshold is fitted on held-out training examples" };
        var pipeline = new Option<string>("--pipeline") { Description = $"NLU pipeline: {string.Join(", ", NluPipelines.Names)}", DefaultValueFactory = _ => NluPipelines.Default };
        var configFile = new Option<string?>("--config") { Description = "A config.yml whose pipeline is benchmarked (e.g. with a TransformerClassifier); overrides --pipeline" };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var command = new Command("bench", "Train on one file, evaluate on another, report accuracy, F1, training time and latency");
        foreach (var o in new Option[] { train, test, oosLabel, pipeline, configFile, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                var progress = new SynchronousProgress(Console.Error);
                var config = NluPipelines.Get(parse.GetValue(pipeline)!) with { OosLabel = parse.GetValue(oosLabel) };
                Func<NluTrainingData, NluModel>? trainer = null;
                if (parse.GetValue(configFile) is { } file)
                {
                    var projectConfig = ProjectConfig.Load(file, w => Console.Error.WriteLine(w));
                    config = ProjectTrainer.NluConfigFor(projectConfig, progress) with { OosLabel = parse.GetValue(oosLabel) };
                    // without a FallbackClassifier a pipeline has no fallback; with --oos-label its threshold is fitted
                    if (config.OosLabel is not null && projectConfig.FindComponent("FallbackClassifier") is null)
                        config = config with { FallbackThreshold = null };
                    trainer = ProjectTrainer.NluTrainerFor(projectConfig, config, progress);
                }
                var trainData = NluDataReader.Load(parse.GetValue(train)!);
                var testData = NluDataReader.Load(parse.GetValue(test)!);
                CheckOosLabel(config.OosLabel, parse.GetValue(train)!, trainData, parse.GetValue(test)!, testData);
                Console.Error.WriteLine($"[kefu] training on {trainData.Examples.Count} examples, testing on {testData.Examples.Count}");
                var result = NluBenchmark.Run(trainData, testData, config, progress, trainer);
                if (parse.GetValue(json)) WriteJson(result);
                else WriteTable(result);
                return 0;
            }
            catch (ProjectException e)
            {
                foreach (var d in e.Diagnostics) Console.Error.WriteLine(d);
                return 1;
            }
            catch (Exception e) when (e is NluDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// A label that neither file holds (a typo, or "oos" where the data says "out_of_scope") would leave the OOS figures
    /// unmeasured and the fallback threshold fitted to nothing, with nothing said.
    /// </summary>
    static void CheckOosLabel(string? label, string trainPath, NluTrainingData train, string testPath, NluTrainingData test)
    {
        if (label is null) return;
        var intents = train.Examples.Concat(test.Examples).Select(e => e.Intent).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (intents.Contains(label, StringComparer.Ordinal)) return;
        const int Shown = 20;
        string listed = string.Join(", ", intents.Take(Shown)) + (intents.Count > Shown ? $", ... ({intents.Count} in all)" : "");
        throw new ArgumentException($"--oos-label '{label}' is an intent of neither {trainPath} nor {testPath}; their intents are {listed}");
    }

    static Command CreateParse()
    {
        var model = new Option<string>("--model") { Description = "Model archive", DefaultValueFactory = _ => Path.Combine("models", "model.kefu") };
        var referenceTime = new Option<string?>("--reference-time")
        {
            Description = "ISO 8601 time with offset that relative times (明天, in 2 hours) count from; default now",
        };
        var text = new Argument<string?>("text") { Description = "Message to parse; omit for an interactive loop", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("parse", "Parse one message (or each line typed) into intent, confidence, ranking and entities as JSON");
        command.Options.Add(model);
        command.Options.Add(referenceTime);
        command.Arguments.Add(text);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            DateTimeOffset? reference = null;
            if (parse.GetValue(referenceTime) is { } given)
            {
                if (!ReferenceTime.TryParse(given, out var parsed, out var why))
                {
                    error.WriteLine($"error: --reference-time: {why}");
                    return 1;
                }
                reference = parsed;
            }
            NluModel nlu;
            try
            {
                nlu = ModelArchive.Load(parse.GetValue(model)!).Nlu;
            }
            catch (Exception e) when (e is ModelArchiveException or FileNotFoundException)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
            NluParse Parse(string message) => reference is { } r ? nlu.Parse(message, r) : nlu.Parse(message);
            if (parse.GetValue(text) is { } one)
            {
                output.WriteLine(NluParseJson.Serialize(Parse(one)));
                return 0;
            }
            error.WriteLine("Type a message (empty line or Ctrl+D to quit).");
            while (true)
            {
                error.Write("> ");
                var line = Console.ReadLine();
                if (string.IsNullOrEmpty(line)) return 0;
                output.WriteLine(NluParseJson.Serialize(Parse(line), indented: true));
            }
        });
        return command;
    }

    static void WriteJson(NluBenchResult r)
    {
        using var stream = Console.OpenStandardOutput();
        // one line: scripts take the last line of stdout (bench/nlu/run.sh)
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("accuracy", Math.Round(r.Accuracy, 4));
            w.WriteNumber("macro_f1", Math.Round(r.MacroF1, 4));
            if (r.InScopeAccuracy is { } inScope) w.WriteNumber("in_scope_accuracy", Math.Round(inScope, 4));
            if (r.OosRecall is { } oos) w.WriteNumber("oos_recall", Math.Round(oos, 4));
            if (r.EntityF1 is { } f1) w.WriteNumber("entity_f1", Math.Round(f1, 4));
            w.WriteNumber("train_seconds", Math.Round(r.TrainSeconds, 3));
            w.WriteNumber("latency_p50_ms", Math.Round(r.LatencyP50Ms, 4));
            w.WriteNumber("latency_p99_ms", Math.Round(r.LatencyP99Ms, 4));
            w.WriteNumber("n_train", r.NTrain);
            w.WriteNumber("n_test", r.NTest);
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    static void WriteTable(NluBenchResult r)
    {
        var rows = new List<(string, string)>
        {
            ("accuracy", F(r.Accuracy)), ("macro F1", F(r.MacroF1)),
        };
        if (r.InScopeAccuracy is { } inScope) rows.Add(("in-scope accuracy", F(inScope)));
        if (r.OosRecall is { } oos) rows.Add(("OOS recall", F(oos)));
        if (r.EntityF1 is { } f1) rows.Add(("entity F1", F(f1)));
        rows.Add(("train seconds", r.TrainSeconds.ToString("F2", CultureInfo.InvariantCulture)));
        rows.Add(("latency p50 (ms)", r.LatencyP50Ms.ToString("F4", CultureInfo.InvariantCulture)));
        rows.Add(("latency p99 (ms)", r.LatencyP99Ms.ToString("F4", CultureInfo.InvariantCulture)));
        rows.Add(("train examples", r.NTrain.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("test examples", r.NTest.ToString(CultureInfo.InvariantCulture)));
        int width = rows.Max(x => x.Item1.Length);
        foreach (var (name, value) in rows) Console.WriteLine($"{name.PadRight(width)}  {value}");

        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
    }
}

/// <summary>Writes progress at once, on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SynchronousProgress(TextWriter writer) : IProgress<string>
{
    public void Report(string value) => writer.WriteLine($"[kefu] {value}");
}
