using System.CommandLine;
using System.Text.Json;
using Kefu.Projects;
using Kefu.Training.Tuning;

namespace Kefu.Cli.Commands;

/// <summary>`kefu tune --project DIR [--trials N] [--timeout MIN] [--metric NAME] [--study FILE] [--space FILE] [--out FILE] [--json]`.</summary>
internal static class TuneCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var trials = new Option<int>("--trials") { Description = "Trials besides the baseline (the config as it is)", DefaultValueFactory = _ => 20 };
        var timeout = new Option<double?>("--timeout") { Description = "Start no trial after this many minutes" };
        var metric = new Option<string?>("--metric") { Description = "accuracy or macro_f1 (default: tune.yml's, else accuracy)" };
        var studyPath = new Option<string?>("--study") { Description = "SQLite file of the study; a killed run resumes from it (default: DIR/results/tune.db)" };
        var spacePath = new Option<string?>("--space") { Description = "The search space (default: DIR/tune.yml, else the intent model's main settings)" };
        var output = new Option<string?>("--out") { Description = "Where the best config goes (default: DIR/config.tuned.yml)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the folds and the sampler", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var command = new Command("tune", "Search the pipeline's hyperparameters by cross-validation (TPE, median pruning, resumable)")
            { project, trials, timeout, metric, studyPath, spacePath, output, seed, json };
        command.SetAction(parse => CliErrors.Guard(() => Run(parse.GetValue(project)!, parse.GetValue(trials), parse.GetValue(timeout),
            parse.GetValue(metric), parse.GetValue(studyPath), parse.GetValue(spacePath), parse.GetValue(output), parse.GetValue(seed), parse.GetValue(json))));
        return command;
    }

    private static int Run(string dir, int trials, double? timeout, string? metric, string? studyPath, string? spacePath, string? output, int seed, bool json)
    {
        if (!Directory.Exists(dir)) { Console.Error.WriteLine($"kefu tune: {dir}: no such project folder"); return 1; }
        if (trials < 1) { Console.Error.WriteLine($"kefu tune: --trials must be at least 1 (got {trials})"); return 1; }
        if (timeout is <= 0) { Console.Error.WriteLine($"kefu tune: --timeout must be a positive number of minutes (got {timeout})"); return 1; }
        if (metric is not null && !SearchSpace.Metrics.Contains(metric))
        {
            Console.Error.WriteLine($"kefu tune: unknown metric '{metric}': expected {string.Join(" or ", SearchSpace.Metrics)}");
            return 1;
        }
        var loaded = RasaProject.Load(dir);
        string configFile = Path.Combine(dir, "config.yml");
        spacePath ??= File.Exists(Path.Combine(dir, "tune.yml")) ? Path.Combine(dir, "tune.yml") : null;
        var space = spacePath is null ? SearchSpace.DefaultFor(loaded.Config, configFile) : SearchSpace.Load(spacePath);
        if (metric is not null) space = space with { Metric = metric };
        Console.Error.WriteLine($"kefu tune: {space.Folds}-fold {space.Metric}, {trials} trials over " +
            string.Join(", ", space.Options.Select(o => o.Choices is null ? $"{o.Name} in [{o.Low}, {o.High}]{(o.Log ? " (log)" : "")}" : $"{o.Name} in {{{string.Join(", ", o.Choices.Select(c => c.GetRawText()))}}}")) +
            (spacePath is null ? " (the default space; write tune.yml to choose)" : $" ({spacePath})"));

        studyPath ??= Path.Combine(dir, "results", "tune.db");
        using var study = Study.Open(studyPath, space.Signature);
        var result = Tuner.Run(loaded, space, study, new TuneOptions(trials, timeout is { } m ? TimeSpan.FromMinutes(m) : null, seed), Console.Error.WriteLine);

        output ??= Path.Combine(dir, "config.tuned.yml");
        string configText = File.Exists(configFile) ? File.ReadAllText(configFile) : "";
        File.WriteAllText(output, TunedConfigWriter.Write(configText, loaded.Config, space, result.Best.Params));
        string report = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(studyPath))!, "tune_report.html");
        File.WriteAllText(report, TuneReport.Html(result, space, Path.GetFileName(Path.GetFullPath(dir))));

        double gain = (result.Best.Score ?? 0) - (result.Baseline.Score ?? 0);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                metric = space.Metric, folds = space.Folds, baseline = result.Baseline.Score, best = result.Best.Score, gain,
                best_trial = result.Best.Number, best_values = result.Best.Params,
                trials = result.Trials.Count(t => t.Number > 0), pruned = result.Trials.Count(t => t.State == "pruned"),
                failed = result.Trials.Count(t => t.State is "failed" or "interrupted"), config = output, report, study = studyPath,
            }));
        else
        {
            Console.WriteLine($"baseline (config.yml as it is): {space.Metric} {result.Baseline.Score:F4}");
            Console.WriteLine($"best (trial {result.Best.Number}): {space.Metric} {result.Best.Score:F4}, {gain * 100:+0.00;-0.00;0.00} points" +
                (result.Best.Number == 0 ? " — no trial beat the config as it is" : ""));
            foreach (var (name, value) in result.Best.Params) Console.WriteLine($"  {name}: {value.GetRawText()}");
            Console.WriteLine($"config: {output}\nreport: {report}\nstudy:  {studyPath} (run again to add trials; it resumes)");
        }
        return 0;
    }
}
