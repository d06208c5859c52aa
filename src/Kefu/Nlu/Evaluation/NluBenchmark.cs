using System.Diagnostics;

namespace Kefu.Nlu.Evaluation;

/// <summary>The `kefu nlu bench` figures; OOS fields only with an OOS label, EntityF1 only when the test data has entities.</summary>
public sealed record NluBenchResult(
    double Accuracy,
    double MacroF1,
    double? InScopeAccuracy,
    double? OosRecall,
    double? EntityF1,
    double TrainSeconds,
    double LatencyP50Ms,
    double LatencyP99Ms,
    int NTrain,
    int NTest);

public static class NluBenchmark
{
    /// <summary>Trains on <paramref name="train"/>, evaluates on <paramref name="test"/>, then times single parses.</summary>
    /// <param name="trainer">How to train (a config.yml's pipeline); Kefu's linear NLU with <paramref name="config"/> when null.</param>
    public static NluBenchResult Run(NluTrainingData train, NluTrainingData test, NluConfig config, IProgress<string>? progress = null,
        Func<NluTrainingData, NluModel>? trainer = null)
    {
        var clock = Stopwatch.StartNew();
        var model = trainer is null ? NluTrainer.Train(train, config, progress) : trainer(train);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var gold = test.Examples.Select(e => e.Intent).ToArray();
        var predicted = new string[gold.Length];
        var labels = model.Intents.Labels;
        for (int i = 0; i < gold.Length; i++)
        {
            var (label, confidence) = model.PredictIntent(test.Examples[i].Text, test.Examples[i].Context);
            bool rejected = config.OosLabel is not null && confidence < model.FallbackThreshold;
            predicted[i] = rejected ? config.OosLabel! : labels[label];
        }
        double accuracy = gold.Length == 0 ? 0 : gold.Zip(predicted).Count(p => p.First == p.Second) / (double)gold.Length;
        double? inScope = null, oosRecall = null;
        if (config.OosLabel is { } oos)
        {
            var inIdx = Enumerable.Range(0, gold.Length).Where(i => gold[i] != oos).ToArray();
            var oosIdx = Enumerable.Range(0, gold.Length).Where(i => gold[i] == oos).ToArray();
            inScope = inIdx.Length == 0 ? 0 : inIdx.Count(i => predicted[i] == gold[i]) / (double)inIdx.Length;
            oosRecall = oosIdx.Length == 0 ? 0 : oosIdx.Count(i => predicted[i] == oos) / (double)oosIdx.Length;
        }

        double? entityF1 = null;
        if (test.Examples.Any(e => e.Entities.Count > 0))
            entityF1 = EntityF1(test.Examples, model);

        var (p50, p99) = MeasureLatency(model, test.Examples);
        return new NluBenchResult(accuracy, MacroF1(gold, predicted), inScope, oosRecall, entityF1,
            trainSeconds, p50, p99, train.Examples.Count, test.Examples.Count);
    }

    /// <summary>Macro-averaged F1 over every label that is gold or predicted somewhere (scikit-learn's convention).</summary>
    public static double MacroF1(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        var labels = gold.Concat(predicted).Distinct().ToArray();
        if (labels.Length == 0) return 0;
        double total = 0;
        foreach (var label in labels)
        {
            int tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < gold.Count; i++)
            {
                bool g = gold[i] == label, p = predicted[i] == label;
                if (g && p) tp++; else if (p) fp++; else if (g) fn++;
            }
            total += tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        }
        return total / labels.Length;
    }

    /// <summary>Micro-averaged F1 of entity spans, exact start, end and type.</summary>
    public static double EntityF1(IReadOnlyList<NluExample> examples, NluModel model)
    {
        int tp = 0, predictedCount = 0, goldCount = 0;
        foreach (var example in examples)
        {
            var gold = example.Entities.Select(e => (e.Start, e.End, e.Entity)).ToHashSet();
            var found = (model.Entities?.Extract(example.Text) ?? []).Select(e => (e.Start, e.End, e.Entity)).ToHashSet();
            tp += found.Count(gold.Contains);
            predictedCount += found.Count;
            goldCount += gold.Count;
        }
        if (tp == 0) return 0;
        double precision = tp / (double)predictedCount, recall = tp / (double)goldCount;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>p50 and p99 of single <see cref="NluModel.Parse"/> calls in milliseconds, after a warm-up pass.</summary>
    static (double P50, double P99) MeasureLatency(NluModel model, IReadOnlyList<NluExample> examples)
    {
        if (examples.Count == 0) return (0, 0);
        int n = Math.Min(examples.Count, 5000);
        for (int i = 0; i < Math.Min(n, 500); i++) model.Parse(examples[i].Text);
        var ms = new double[n];
        for (int i = 0; i < n; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Parse(examples[i].Text);
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(ms);
        return (ms[(int)(0.50 * (n - 1))], ms[(int)Math.Ceiling(0.99 * (n - 1))]);
    }
}
