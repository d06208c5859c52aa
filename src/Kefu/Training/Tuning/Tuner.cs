using System.Diagnostics;
using System.Text.Json;
using Kefu.Nlu;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;

namespace Kefu.Training.Tuning;

public sealed record TuneOptions(int Trials, TimeSpan? Timeout, int Seed = 1, int PrunerStartupTrials = 5);

/// <summary>The study after this run: the baseline (trial 0), the best complete trial, every trial, and the best config.</summary>
public sealed record TuneResult(TrialRecord Baseline, TrialRecord Best, IReadOnlyList<TrialRecord> Trials, ProjectConfig BestConfig);

/// <summary>
/// `kefu tune`: stratified k-fold cross-validation of the project's NLU pipeline (trained as `kefu train` trains it) at
/// each point the <see cref="TpeSampler"/> proposes. Trial 0 is the config as it is. Optuna's MedianPruner stops a trial
/// whose running mean after a fold is below the median of the complete trials' running means after that fold (from the
/// 5th complete trial on). Augmented examples train but are never in a test fold.
/// </summary>
public static class Tuner
{
    public static TuneResult Run(RasaProject project, SearchSpace space, Study study, TuneOptions options, Action<string> log)
    {
        CheckOptionsRun(project.Config, space);
        var clock = Stopwatch.StartNew();
        var folds = Folds(project.Nlu, space.Folds, options.Seed);
        var trials = study.Trials();
        if (trials.Count > 0) log($"resuming: {trials.Count(t => t.Number > 0 && t.State is "complete" or "pruned")} of {options.Trials} trials done");

        if (!trials.Any(t => t.Number == 0 && t.IsComplete))
            trials.Add(Evaluate(0, new Dictionary<string, JsonElement>(), null, project, space, folds, trials, options, study, log));
        while (trials.Count(t => t.Number > 0 && t.State is "complete" or "pruned") < options.Trials)
        {
            if (options.Timeout is { } limit && clock.Elapsed > limit) { log($"--timeout reached after {clock.Elapsed.TotalMinutes:F1} min"); break; }
            int number = trials.Max(t => t.Number) + 1;
            var history = trials.Where(t => t.Number > 0 && t.Point is not null && t.State is "complete" or "pruned")
                .Select(t => new Observation(t.Number, t.Point!, t.Score ?? double.NegativeInfinity, t.State == "pruned")).ToList();
            var point = new TpeSampler(space.Options, TrialSeed(options.Seed, number)).Next(history);
            var values = space.Options.Select((o, d) => (o.Name, Value: o.Value(point[d]))).ToDictionary(p => p.Name, p => p.Value);
            trials.Add(Evaluate(number, values, point, project, space, folds, trials, options, study, log));
        }
        var baseline = trials.First(t => t.Number == 0);
        var best = trials.Where(t => t.IsComplete).MaxBy(t => t.Score)!;
        return new TuneResult(baseline, best, trials, WithValues(project.Config, space, best.Params));
    }

    private static TrialRecord Evaluate(int number, Dictionary<string, JsonElement> values, double[]? point, RasaProject project,
        SearchSpace space, IReadOnlyList<(NluTrainingData Train, IReadOnlyList<NluExample> Test)> folds, List<TrialRecord> done,
        TuneOptions options, Study study, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var running = new TrialRecord(number, values, point, "running", null, [], 0);
        study.Save(running);
        string what = number == 0 ? "the config as it is" : string.Join(", ", values.Select(v => $"{v.Key}={v.Value.GetRawText()}"));
        var scores = new List<double>();
        try
        {
            var config = WithValues(project.Config, space, values);
            var nluConfig = ProjectTrainer.NluConfigFor(config);
            var train = ProjectTrainer.NluTrainerFor(config, nluConfig, progress: null);
            for (int f = 0; f < folds.Count; f++)
            {
                var model = train(folds[f].Train);
                scores.Add(Score(model, folds[f].Test, space.Metric));
                if (f < folds.Count - 1 && ShouldPrune(scores, done, options))
                {
                    var pruned = running with { State = "pruned", Score = scores.Average(), FoldScores = scores.ToArray(), Seconds = clock.Elapsed.TotalSeconds };
                    study.Save(pruned);
                    log($"trial {number,3}: pruned after fold {f + 1} ({scores.Average():F4} is below the median)  {what}");
                    return pruned;
                }
            }
        }
        catch (Exception e) when (e is ProjectException or ArgumentException or InvalidOperationException or InvalidDataException)
        {
            string message = e is ProjectException p ? string.Join("; ", p.Diagnostics) : e.Message;
            var failed = running with { State = "failed", Error = message, Seconds = clock.Elapsed.TotalSeconds };
            study.Save(failed);
            log($"trial {number,3}: failed: {message}");
            return failed;
        }
        var complete = running with { State = "complete", Score = scores.Average(), FoldScores = scores.ToArray(), Seconds = clock.Elapsed.TotalSeconds };
        study.Save(complete);
        double bestSoFar = done.Where(t => t.IsComplete).Select(t => t.Score!.Value).Append(complete.Score!.Value).Max();
        log($"trial {number,3}: {space.Metric} {complete.Score:F4} (best {bestSoFar:F4}, {complete.Seconds:F0} s)  {what}");
        return complete;
    }

    /// <summary>
    /// Each trial's sampler seed, from the study's seed and the trial number, so a resumed study draws what an unbroken one
    /// would. Mixed by SplitMix64: System.Random's streams for neighbouring seeds start almost alike.
    /// </summary>
    internal static int TrialSeed(int seed, int number)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)number) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private static bool ShouldPrune(List<double> scores, List<TrialRecord> done, TuneOptions options)
    {
        var complete = done.Where(t => t.IsComplete && t.FoldScores.Count >= scores.Count).ToList();
        if (complete.Count < options.PrunerStartupTrials) return false;
        var means = complete.Select(t => t.FoldScores.Take(scores.Count).Average()).Order().ToArray();
        double median = means.Length % 2 == 1 ? means[means.Length / 2] : (means[means.Length / 2 - 1] + means[means.Length / 2]) / 2;
        return scores.Average() < median;
    }

    private static double Score(NluModel model, IReadOnlyList<NluExample> test, string metric)
    {
        var gold = test.Select(e => e.Intent).ToArray();
        var predicted = test.Select(e => model.Intents.Labels[model.PredictIntent(e.Text).Label]).ToArray();
        return metric == "macro_f1"
            ? NluBenchmark.MacroF1(gold, predicted)
            : gold.Zip(predicted).Count(p => p.First == p.Second) / (double)Math.Max(1, gold.Length);
    }

    /// <summary>Stratified folds over the real examples; augmented ones join every training part.</summary>
    internal static IReadOnlyList<(NluTrainingData Train, IReadOnlyList<NluExample> Test)> Folds(NluTrainingData data, int k, int seed)
    {
        var real = data.Examples.Where(e => e.Augmentation is null).ToList();
        var augmented = data.Examples.Where(e => e.Augmentation is not null).ToList();
        var labels = real.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2) throw new InvalidDataException($"tuning needs two or more intents with examples; the data has {labels.Count}");
        var y = real.Select(e => labels.IndexOf(e.Intent)).ToArray();
        var fold = NluTrainer.StratifiedFolds(y, labels.Count, k, seed);
        return Enumerable.Range(0, k).Select(f => (
            data with { Examples = real.Where((_, i) => fold[i] != f).Concat(augmented).ToList() },
            (IReadOnlyList<NluExample>)real.Where((_, i) => fold[i] == f).ToList())).ToList();
    }

    /// <summary>The config with each tuned option set (added when absent), on the components the space names.</summary>
    public static ProjectConfig WithValues(ProjectConfig config, SearchSpace space, IReadOnlyDictionary<string, JsonElement> values)
    {
        var pipeline = config.Pipeline.Select(component =>
        {
            var entries = component.Options.Entries.ToList();
            foreach (var option in space.Options.Where(o => o.Component == component.Name && values.ContainsKey(o.Name)))
            {
                int at = entries.FindIndex(e => e.Key == option.Option);
                var entry = new ComponentOption(option.Option, values[option.Name], at >= 0 ? entries[at].Location : component.Location);
                if (at >= 0) entries[at] = entry; else entries.Add(entry);
            }
            return component with { Options = new ComponentOptions(entries) };
        }).ToList();
        return config with { Pipeline = pipeline };
    }

    /// <summary>
    /// Every tuned option must name a component of the pipeline and an option Kefu runs: tuning an ignored option would
    /// spend trials on nothing. The check sets each option and asks <see cref="PipelineCheck"/> whether it warns about it.
    /// </summary>
    private static void CheckOptionsRun(ProjectConfig config, SearchSpace space)
    {
        var problems = new List<Diagnostic>();
        foreach (var option in space.Options)
        {
            if (config.FindComponent(option.Component) is null)
            {
                problems.Add(new Diagnostic(Severity.Error, option.Location,
                    $"{option.Name}: the pipeline has no {option.Component} (components: {string.Join(", ", config.Pipeline.Select(c => c.Name))})"));
                continue;
            }
            var (low, high) = option.Bounds;
            var probe = WithValues(config, space with { Options = [option] }, new Dictionary<string, JsonElement> { [option.Name] = option.Value(option.IsCategorical ? 0 : (low + high) / 2) });
            var (warnings, errors) = PipelineCheck.Check(probe);
            var ignored = warnings.FirstOrDefault(w => w.Contains($"'{option.Option}'") && w.Contains(option.Component));
            if (ignored is not null)
                problems.Add(new Diagnostic(Severity.Error, option.Location, $"{option.Name} cannot be tuned: Kefu does not run it ({ignored})"));
            problems.AddRange(errors.Select(e => e with { Message = $"{option.Name}: {e.Message}" }));
        }
        if (problems.Count > 0) throw new ProjectException(problems);
    }
}
