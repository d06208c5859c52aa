using System.Diagnostics;
using System.Numerics.Tensors;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;

namespace Kefu.Nlu;

/// <summary>
/// Trains an <see cref="NluModel"/> top to bottom: vocabulary, held-out folds for calibration, the final
/// intent classifier on all examples, then the entity extractor. Deterministic for a given config seed.
/// </summary>
public static class NluTrainer
{
    public static NluModel Train(NluTrainingData data, NluConfig config, IProgress<string>? progress = null)
    {
        if (data.Examples.Count == 0) throw new ArgumentException("no training examples");
        var clock = Stopwatch.StartNew();
        var labels = data.Examples.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var texts = data.Examples.Select(e => e.Text).ToArray();
        var y = data.Examples.Select(e => labelIndex[e.Intent]).ToArray();

        var vectorizer = SparseVectorizer.Fit(texts, config.Features, EntityPatterns.Of(data));
        var x = vectorizer.TransformAll(texts);
        progress?.Report($"features: {vectorizer.FeatureCount} columns, {x.Values.Length} non-zeros ({Elapsed(clock)})");

        int oosIndex = config.OosLabel is { } oos && labelIndex.TryGetValue(oos, out int o) ? o : -1;
        bool fitThreshold = config.FallbackThreshold is null && oosIndex >= 0;
        var folds = StratifiedFolds(y, labels.Length, Math.Max(2, config.CalibrationFolds), config.Seed);
        int foldsToRun = fitThreshold ? folds.Max() + 1 : 1;
        var heldOutScores = new float[y.Length][];
        float[][]? warmStart = null;
        for (int fold = 0; fold < foldsToRun; fold++)
        {
            var trainRows = Enumerable.Range(0, y.Length).Where(i => folds[i] != fold).ToArray();
            var (rows, alphas) = LinearSvmTrainer.Train(x.SelectRows(trainRows), trainRows.Select(i => y[i]).ToArray(), labels.Length, config.Svm);
            if (fold == 0) warmStart = ScatterRows(alphas, trainRows, y.Length);
            var foldModel = IntentClassifier.FromClassRows(labels, rows, 1f);
            for (int i = 0; i < y.Length; i++)
            {
                if (folds[i] != fold) continue;
                heldOutScores[i] = new float[labels.Length];
                foldModel.Scores(x.RowColumns(i), x.RowValues(i), heldOutScores[i]);
            }
            int heldOut = 0, correct = 0;
            for (int i = 0; i < y.Length; i++)
            {
                if (folds[i] != fold) continue;
                heldOut++;
                if (TensorPrimitives.IndexOfMax(heldOutScores[i]) == y[i]) correct++;
            }
            progress?.Report($"calibration fold {fold + 1}/{foldsToRun}: held-out accuracy {correct / (double)Math.Max(1, heldOut):F4} ({Elapsed(clock)})");
        }
        var scored = Enumerable.Range(0, y.Length).Where(i => heldOutScores[i] is not null).ToArray();
        float temperature = Calibration.FitTemperature(scored.Select(i => heldOutScores[i]).ToArray(), scored.Select(i => y[i]).ToArray());

        float threshold = config.FallbackThreshold ?? NluConfig.DefaultFallbackThreshold;
        if (fitThreshold)
        {
            var predictions = scored.Select(i =>
            {
                var p = (float[])heldOutScores[i].Clone();
                IntentClassifier.Softmax(p, temperature);
                int best = 0;
                for (int k = 1; k < p.Length; k++) if (p[k] > p[best]) best = k;
                return (best, p[best], y[i]);
            }).ToList();
            threshold = Calibration.FitOosThreshold(predictions, oosIndex, config.OosInScopeRejection);
        }

        var (finalRows, _) = LinearSvmTrainer.Train(x, y, labels.Length, config.Svm, warmStart);
        var classifier = IntentClassifier.FromClassRows(labels, finalRows, temperature);
        progress?.Report($"intents: {labels.Length}, temperature {temperature:F3}, fallback threshold {threshold:F3} ({Elapsed(clock)})");

        EntityExtractor? entities = null;
        if (data.Examples.Any(e => e.Entities.Count > 0) || data.Regexes.Count > 0 || data.Lookups.Count > 0)
        {
            entities = EntityTrainer.Train(data, config.Entities, config.Seed);
            progress?.Report($"entities: {string.Join(", ", entities.EntityTypes.Select(EntityExtractor.Describe))} ({Elapsed(clock)})");
        }
        return new NluModel(config, vectorizer, classifier, entities, threshold);
    }

    static string Elapsed(Stopwatch clock) =>
        $"{clock.Elapsed.TotalSeconds:F1} s, cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s";

    /// <summary>Per-class values of a row subset [C][rows], spread back to all N rows with zeros elsewhere.</summary>
    static float[][] ScatterRows(float[][] values, int[] rows, int n) =>
        values.Select(v =>
        {
            var all = new float[n];
            for (int j = 0; j < rows.Length; j++) all[rows[j]] = v[j];
            return all;
        }).ToArray();

    /// <summary>Fold of each example, 0..k-1, dealing each class's shuffled examples round-robin.</summary>
    internal static int[] StratifiedFolds(int[] y, int classCount, int k, int seed)
    {
        var folds = new int[y.Length];
        var random = new Random(seed);
        for (int c = 0; c < classCount; c++)
        {
            var members = Enumerable.Range(0, y.Length).Where(i => y[i] == c).ToArray();
            random.Shuffle(members);
            for (int j = 0; j < members.Length; j++) folds[members[j]] = j % k;
        }
        return folds;
    }
}
