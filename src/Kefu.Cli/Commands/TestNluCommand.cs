using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu test nlu`, as Rasa's `rasa test nlu`: a model on test data, K-fold cross-validation, or several configs compared
/// over training-data fractions. Writes Rasa's report files and report.html to --out (default results/, as Rasa's).
/// </summary>
internal static class TestNluCommand
{
    sealed record Options(string? Project, string? Model, string? Nlu, string? Train, bool CrossValidation, int Folds,
        IReadOnlyList<string> Configs, IReadOnlyList<int> Percentages, int Runs, string Out, bool Json, TextWriter Stdout, TextWriter Stderr);

    public static Command Create()
    {
        var project = new Option<string?>("--project") { Description = "The bot project folder (default: the current folder when it holds a config.yml or domain.yml)" };
        var model = new Option<string?>("--model") { Description = "Model archive to evaluate (default: PROJECT/models/model.kefu, trained when missing or outdated)" };
        var nlu = new Option<string?>("--nlu") { Description = "Test data: Rasa nlu.yml, CSV (text,intent) or JSON lines; default: the project's data/ (its training data)" };
        var train = new Option<string?>("--train") { Description = "Train a model on this file (same formats) with --config's pipeline, then evaluate it on --nlu" };
        var crossValidation = new Option<bool>("--cross-validation") { Description = "Stratified K-fold cross-validation on the NLU data instead of one model" };
        var folds = new Option<int>("--folds") { Description = "Folds for --cross-validation", DefaultValueFactory = _ => 5 };
        var configs = new Option<string[]>("--config")
        {
            Description = "config.yml whose pipeline is trained; two or more: compare them over training-data fractions",
            AllowMultipleArgumentsPerToken = true,
        };
        var percentages = new Option<int[]>("--percentages")
        {
            Description = "With several configs: percentages of the training data to leave out",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [0, 25, 50, 75],
        };
        var runs = new Option<int>("--runs") { Description = "With several configs: runs (data splits) per percentage", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out") { Description = "Folder for the report files and report.html", DefaultValueFactory = _ => "results" };
        var json = new Option<bool>("--json") { Description = "Print the summary as one line of JSON" };
        var command = new Command("nlu", "Evaluate the NLU as `rasa test nlu` does: per-intent scores, confusion matrix, errors, entity scores, report.html")
        {
            project, model, nlu, train, crossValidation, folds, configs, percentages, runs, outDir, json,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var options = new Options(parse.GetValue(project), parse.GetValue(model), parse.GetValue(nlu), parse.GetValue(train),
                parse.GetValue(crossValidation), parse.GetValue(folds), parse.GetValue(configs) ?? [], parse.GetValue(percentages) ?? [],
                parse.GetValue(runs), parse.GetValue(outDir)!, parse.GetValue(json), parse.InvocationConfiguration.Output, error);
            try
            {
                return Run(options);
            }
            catch (ProjectException e)
            {
                foreach (var d in e.Diagnostics) error.WriteLine(d);
                error.WriteLine($"{e.Diagnostics.Count(d => d.Severity == Severity.Error)} error(s); nothing was evaluated.");
                return 1;
            }
            catch (Exception e) when (e is NluDataException or ArgumentException or IOException or UnauthorizedAccessException
                or InvalidDataException or ModelArchiveException)
            {
                error.WriteLine($"kefu test nlu: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    static int Run(Options o)
    {
        var progress = new SynchronousProgress(o.Stderr);
        var clock = Stopwatch.StartNew();
        if (o.Configs.Count >= 2) return Compare(o, progress, clock);
        if (o.CrossValidation) return CrossValidate(o, progress, clock);

        var notes = new List<string>();
        NluModel model;
        // The test file is read first: a malformed one is reported before anything is trained.
        IReadOnlyList<NluExample>? test = o.Nlu is { } testFile ? NluDataReader.Load(testFile).Examples : null;
        if (o.Configs.Count == 1 && o.Train is null)
            progress.Report($"warning: --config {o.Configs[0]} is not used: it names the pipeline to train with --train or --cross-validation " +
                "(or, with a second config, the comparison); the model evaluated is the project's or --model's");
        if (o.Train is { } trainFile)
        {
            if (test is null) throw new ArgumentException("--train needs --nlu FILE: the data to evaluate the trained model on");
            var (name, trainer) = TrainerFor(o.Configs.Count == 1 ? o.Configs[0] : ProjectConfigPath(o), progress);
            var trainData = NluDataReader.Load(trainFile);
            progress.Report($"training {name} on {trainData.Examples.Count} examples of {trainFile}");
            var trainClock = Stopwatch.StartNew();
            model = trainer(trainData);
            notes.Add($"Model: {name}, trained on {trainData.Examples.Count} examples of {trainFile} in {trainClock.Elapsed.TotalSeconds:F1} s.");
        }
        else
        {
            string? projectDir = ProjectDirectory(o, required: o.Model is null || test is null);
            if (o.Model is not null && projectDir is null)
                model = ModelArchive.Load(o.Model).Nlu;
            else
            {
                var bot = BotLoader.LoadOrTrain(projectDir!, o.Model, o.Stderr);
                model = bot.Nlu;
                if (test is null)
                {
                    test = bot.Project.Nlu.Examples;
                    string warning = $"No --nlu given: evaluating on the project's own training data ({Path.Combine(projectDir!, "data")}, " +
                        $"{test.Count} examples), as `rasa test nlu` does. These scores say how well the model fits its data, not how it " +
                        "generalizes: give held-out data with --nlu, or use --cross-validation.";
                    o.Stderr.WriteLine($"kefu test nlu: {warning}");
                    notes.Add(warning);
                }
            }
            notes.Insert(0, $"Model: {o.Model ?? ProjectTrainer.DefaultModelPath(projectDir!)}.");
        }
        if (test is null) throw new ArgumentException("no test data: give --nlu FILE");
        if (test.Count(e => e.Augmentation is not null) is > 0 and var augmented)
        {
            test = test.Where(e => e.Augmentation is null).ToList();
            notes.Add($"{augmented} augmented examples (kefu data augment) are left out of the test data: they train, never test.");
            progress.Report($"{augmented} augmented examples left out of the test data");
        }
        if (o.Nlu is not null) notes.Add($"Test data: {o.Nlu} ({test.Count} examples).");
        if (test.Count == 0) throw new ArgumentException("the test data has no examples");
        progress.Report($"evaluating on {test.Count} examples");
        var parseClock = Stopwatch.StartNew();
        var evaluation = NluTestRun.Evaluate(model, test);
        progress.Report($"parsed {test.Count} examples in {parseClock.Elapsed.TotalSeconds:F2} s");
        return Finish(o, evaluation, notes, null, clock);
    }

    static int CrossValidate(Options o, SynchronousProgress progress, Stopwatch clock)
    {
        var (data, source) = Data(o);
        var (name, trainer) = TrainerFor(o.Configs.Count == 1 ? o.Configs[0] : ProjectConfigPath(o), progress);
        progress.Report($"{o.Folds}-fold cross-validation of {name} on {data.Examples.Count} examples of {source}");
        var perFold = NluCrossValidation.HeldOut(data, o.Folds, seed: 42, trainer, progress);
        var folds = perFold.Select(f => NluTestReport.From(f).Intents).Select(r => (r.ExampleAccuracy, r.WeightedAvg.F1)).ToList();
        var notes = new List<string>
        {
            $"{o.Folds}-fold stratified cross-validation of {name} on {data.Examples.Count} examples of {source}: each example is " +
            "predicted by the model trained on the other folds; the report pools every fold's predictions.",
        };
        return Finish(o, NluEvaluation.Concat(perFold), notes, folds, clock);
    }

    static int Compare(Options o, SynchronousProgress progress, Stopwatch clock)
    {
        var (data, source) = Data(o);
        var names = o.Configs.Select(c => Path.GetFileNameWithoutExtension(c)).ToList();
        if (names.Distinct().Count() != names.Count)
            throw new ArgumentException($"--config files must have different names (the report names each config by its file name): {string.Join(", ", o.Configs)}");
        var trainers = o.Configs.Select(c => (Path.GetFileNameWithoutExtension(c), TrainerFor(c, progress).Train)).ToList();
        var comparison = NluTestRun.Compare(data, trainers, o.Percentages, o.Runs, progress);
        Directory.CreateDirectory(o.Out);
        NluTestReport.Write(o.Out, "results.json", comparison.WriteResultsJson);
        NluTestReport.Write(o.Out, "nlu_model_comparison.json", comparison.WriteComparisonJson);
        var page = new ReportPage("Kefu NLU comparison", [
            $"Data: {source} ({data.Examples.Count} examples), split 80/20 by intent in each of {o.Runs} run(s); configs: {string.Join(", ", o.Configs)}.",
        ], Comparison: comparison);
        File.WriteAllText(Path.Combine(o.Out, "report.html"), ReportHtml.Render(page));
        if (o.Json)
        {
            o.Stdout.WriteLine(JsonSerializer.Serialize(new
            {
                percentages = comparison.Percentages,
                training_examples = comparison.Percentages.Select((_, p) => comparison.TrainingExamples.Average(r => r[p])),
                weighted_f1 = comparison.Configs.Select((c, k) => (c, NluComparison.MeanStd(comparison.F1[k]).Mean.Select(v => Math.Round(v, 4))))
                    .ToDictionary(p => p.c, p => p.Item2),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                out_dir = o.Out,
            }));
            return 0;
        }
        o.Stdout.WriteLine($"{"config",-24} " + string.Join(" ", comparison.Percentages.Select(p => $"{p + "% out",12}")));
        for (int k = 0; k < comparison.Configs.Count; k++)
        {
            var (mean, std) = NluComparison.MeanStd(comparison.F1[k]);
            o.Stdout.WriteLine($"{comparison.Configs[k],-24} " + string.Join(" ", mean.Select((m, p) => $"{m.ToString("F3", CultureInfo.InvariantCulture) + "±" + std[p].ToString("F3", CultureInfo.InvariantCulture),12}")));
        }
        o.Stdout.WriteLine($"weighted F1 of intents; written to {Path.Combine(o.Out, "report.html")}, results.json and nlu_model_comparison.json");
        return 0;
    }

    static int Finish(Options o, NluEvaluation evaluation, List<string> notes, IReadOnlyList<(double, double)>? folds, Stopwatch clock)
    {
        var reportClock = Stopwatch.StartNew();
        var report = NluTestReport.From(evaluation);
        var files = report.WriteFiles(o.Out).ToList();
        string html = Path.Combine(o.Out, "report.html");
        File.WriteAllText(html, ReportHtml.Render(new ReportPage("Kefu NLU evaluation", notes, report, Folds: folds)));
        files.Add(html);
        new SynchronousProgress(o.Stderr).Report($"reports and report.html written in {reportClock.Elapsed.TotalSeconds:F2} s");
        var c = report.Intents;
        if (o.Json)
        {
            o.Stdout.WriteLine(JsonSerializer.Serialize(new
            {
                intent_accuracy = Math.Round(c.ExampleAccuracy, 4),
                macro_f1 = Math.Round(c.MacroAvg.F1, 4),
                weighted_f1 = Math.Round(c.WeightedAvg.F1, 4),
                n_test = c.Count,
                errors = report.Errors.Count,
                entity_f1 = report.Entities.ToDictionary(e => e.Extractor, e => Math.Round(e.Report.MicroAvg?.F1 ?? e.Report.Accuracy ?? 0, 4)),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
                out_dir = o.Out,
            }, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return 0;
        }
        foreach (var note in notes) o.Stdout.WriteLine(note);
        o.Stdout.WriteLine($"intent accuracy {F(c.ExampleAccuracy)}, macro F1 {F(c.MacroAvg.F1)}, weighted F1 {F(c.WeightedAvg.F1)} on {c.Count} examples; {report.Errors.Count} errors");
        if (folds is not null)
            o.Stdout.WriteLine($"per fold: accuracy {string.Join(" ", folds.Select(f => F(f.Item1)))}");
        var worst = c.Labels.Where(l => c.PerLabel[l].Support > 0).OrderBy(l => c.PerLabel[l].F1).Take(10).ToList();
        if (worst.Count > 0 && c.PerLabel[worst[0]].F1 < 1)
        {
            o.Stdout.WriteLine("lowest F1:");
            foreach (var l in worst.Where(l => c.PerLabel[l].F1 < 1))
            {
                var s = c.PerLabel[l];
                string confused = c.ConfusedWith.TryGetValue(l, out var w) && w.Count > 0 ? "  confused with " + string.Join(", ", w.Select(p => $"{p.Key} ({p.Value})")) : "";
                o.Stdout.WriteLine($"  {l,-36} F1 {F(s.F1)}  precision {F(s.Precision)}  recall {F(s.Recall)}  support {s.Support}{confused}");
            }
        }
        foreach (var e in report.Entities)
            o.Stdout.WriteLine($"entities ({e.Extractor}, token level): micro F1 {F(e.Report.MicroAvg?.F1 ?? e.Report.Accuracy ?? 0)}, macro F1 {F(e.Report.MacroAvg.F1)}");
        o.Stdout.WriteLine($"written: {string.Join(", ", files)}");
        return 0;

        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    }

    /// <summary>The NLU data cross-validation and comparison use: --nlu, else the project's data/.</summary>
    static (NluTrainingData Data, string Source) Data(Options o)
    {
        if (o.Nlu is { } file) return (NluDataReader.Load(file), file);
        var dir = ProjectDirectory(o, required: true)!;
        return (RasaProject.Load(dir).Nlu, Path.Combine(dir, "data"));
    }

    /// <summary>
    /// --project, else the current folder when it looks like a project (config.yml or domain.yml), as Rasa defaults to
    /// it; null when not needed and not given.
    /// </summary>
    static string? ProjectDirectory(Options o, bool required)
    {
        if (o.Project is { } given) return given;
        if (File.Exists("config.yml") || File.Exists("domain.yml")) return ".";
        if (!required) return null;
        throw new ArgumentException("no model and no project: give --project DIR (a Rasa project folder), or --model FILE with --nlu FILE, " +
            "or --train FILE with --nlu FILE (the current folder has no config.yml or domain.yml)");
    }

    /// <summary>The project's config.yml when there is a project, else null (Kefu's default linear pipeline).</summary>
    static string? ProjectConfigPath(Options o) =>
        ProjectDirectory(o, required: false) is { } dir && File.Exists(Path.Combine(dir, "config.yml")) ? Path.Combine(dir, "config.yml") : null;

    /// <summary>What `kefu train` trains for a config.yml's pipeline (<see cref="ProjectTrainer.NluTrainerFor"/>).</summary>
    internal static (string Name, Func<NluTrainingData, NluModel> Train) TrainerFor(string? configPath, SynchronousProgress progress)
    {
        if (configPath is null)
            return ("Kefu's default linear pipeline", data => NluTrainer.Train(data, NluConfig.Default, progress));
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: no such config file", configPath);
        var config = ProjectConfig.Load(configPath, w => progress.Report(w.ToString()));
        foreach (var warning in PipelineCheck.CatalogWarnings(config)) progress.Report(warning);
        var trainer = ProjectTrainer.NluTrainerFor(config, ProjectTrainer.NluConfigFor(config, progress), progress);
        return (configPath, trainer);
    }
}
