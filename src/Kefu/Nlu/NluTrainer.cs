using System.Diagnostics;
using System.Numerics.Tensors;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;

namespace Kefu.Nlu;

/// <summary>
/// Trains an <see cref="NluModel"/> top to bottom: vocabulary, held-out folds for calibration, the final
/// intent classifier on all examples, then the entity extractor. Deterministic for a given config seed.
/// With a <see cref="LanguageModel"/>, every row also gets its sentence embedding as dense columns after the sparse
/// ones, at a weight chosen on held-out folds (<see cref="ChooseDenseWeight"/>) unless the config fixes it.
/// </summary>
public static class NluTrainer
{
    /// <summary>
    /// Dense block weights tried, against the sparse block's norm ≈1.7: a factor of 2 apart, from "the n-grams decide"
    /// to "the embedding decides".
    /// </summary>
    public static readonly IReadOnlyList<float> DenseWeightCandidates = [0.25f, 0.5f, 1f, 2f, 4f, 8f];

    /// <summary>Held-out examples the weight is chosen on: folds are added until they hold this many (or all are used).</summary>
    const int SelectionExamples = 2000;

    public static NluModel Train(NluTrainingData data, NluConfig config, IProgress<string>? progress = null,
        LanguageModel? languageModel = null)
    {
        if (data.Examples.Count == 0) throw new ArgumentException("no training examples");
        var clock = Stopwatch.StartNew();
        var labels = data.Examples.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var texts = data.Examples.Select(e => e.Text).ToArray();
        var y = data.Examples.Select(e => labelIndex[e.Intent]).ToArray();
        // multi-intent labels learnt part by part: the SVMs' classes are the parts, a row positive for each of its own
        var parts = config.IntentSplitSymbol is { } separator ? new IntentParts(separator, labels) : null;
        var classes = parts?.Parts ?? labels;
        int[][] positives = [.. y.Select(l => parts is null ? [l] : parts.PartsOf(l).ToArray())];
        if (parts is not null)
            progress?.Report($"multi-intent labels split on '{parts.Separator}': {labels.Length} labels, {classes.Count} parts");

        string?[]? contexts = config.Features.ContextWeight > 0 ? [.. data.Examples.Select(e => e.Context)] : null;
        var vectorizer = SparseVectorizer.Fit(texts, config.Features, EntityPatterns.Of(data), contexts);
        var x = vectorizer.TransformAll(texts, contexts);
        if (contexts is not null)
            progress?.Report($"context features (weight {config.Features.ContextWeight}): {contexts.Count(c => !string.IsNullOrEmpty(c))} of {texts.Length} examples have a previous bot message");
        progress?.Report($"features: {vectorizer.FeatureCount} columns, {x.Values.Length} non-zeros ({Elapsed(clock)})");

        int oosIndex = config.OosLabel is { } oos && labelIndex.TryGetValue(oos, out int o) ? o : -1;
        bool fitThreshold = config.FallbackThreshold is null && oosIndex >= 0 && parts is null;
        if (parts is not null && config.FallbackThreshold is null && oosIndex >= 0)
            progress?.Report($"the fallback threshold is not fitted on '{config.OosLabel}' when labels are split into parts: " +
                $"{NluConfig.DefaultFallbackThreshold} applies (set FallbackClassifier's threshold to choose another)");
        var folds = StratifiedFolds(y, labels.Length, Math.Max(2, config.CalibrationFolds), config.Seed);
        var fold = new FoldRun(y, positives, classes, parts, folds, config.Svm);
        int foldsToRun = fitThreshold ? fold.Count : 1, foldsDone = 0;

        DenseFeatures? dense = null;
        if (languageModel is not null)
        {
            var embeddings = languageModel.EmbedAll(texts, progress);
            progress?.Report($"dense features: {languageModel.Dimension} columns from {languageModel.Name} ({Elapsed(clock)})");
            float weight;
            if (config.DenseWeight is { } fixedWeight)
                weight = fixedWeight;
            else
                (weight, foldsDone) = ChooseDenseWeight(x, embeddings, fold, progress, clock);
            dense = new DenseFeatures(languageModel, weight);
            x = x.WithDenseColumns(embeddings, weight);
        }
        for (int f = foldsDone; f < foldsToRun; f++)
        {
            fold.Train(x, f, warmStart: null);
            progress?.Report($"calibration fold {f + 1}/{foldsToRun}: held-out accuracy {fold.Accuracy(f, f + 1):F4} ({Elapsed(clock)})");
        }
        var scored = Enumerable.Range(0, y.Length).Where(i => fold.Scores[i] is not null).ToArray();
        float temperature = 1f;
        if (parts is null)
            temperature = Calibration.FitTemperature(scored.Select(i => fold.Scores[i]!).ToArray(), scored.Select(i => y[i]).ToArray());
        else
        {
            var (scale, offset) = IntentParts.FitPlatt(scored.Select(i => fold.Scores[i]!).ToArray(), scored.Select(i => (IReadOnlyList<int>)positives[i]).ToArray());
            parts = parts.WithPlatt(scale, offset);
            progress?.Report($"part probabilities σ({scale:F3}·s + {offset:F3}) fitted on held-out margins");
        }

        float threshold = config.FallbackThreshold ?? NluConfig.DefaultFallbackThreshold;
        if (fitThreshold)
        {
            var predictions = scored.Select(i =>
            {
                var p = (float[])fold.Scores[i]!.Clone();
                IntentClassifier.Softmax(p, temperature);
                int best = 0;
                for (int k = 1; k < p.Length; k++) if (p[k] > p[best]) best = k;
                return (best, p[best], y[i]);
            }).ToList();
            threshold = Calibration.FitOosThreshold(predictions, oosIndex, config.OosInScopeRejection);
        }

        var warmStart = ScatterRows(fold.Alphas[0]!, fold.TrainRows(0), y.Length);
        var (finalRows, _) = LinearSvmTrainer.Train(x, positives, classes.Count, config.Svm, warmStart);
        var classifier = IntentClassifier.FromClassRows(classes, finalRows, temperature);
        progress?.Report($"intents: {labels.Length}, temperature {temperature:F3}, fallback threshold {threshold:F3} ({Elapsed(clock)})");

        EntityExtractor? entities = null;
        if (data.Examples.Any(e => e.Entities.Count > 0) || data.Regexes.Count > 0 || data.Lookups.Count > 0)
        {
            entities = EntityTrainer.Train(data, config.Entities, config.Seed);
            progress?.Report($"entities: {string.Join(", ", entities.EntityTypes.Select(EntityExtractor.Describe))} ({Elapsed(clock)})");
        }
        return new NluModel(config, vectorizer, classifier, entities, threshold, dense, parts);
    }

    /// <summary>
    /// The dense block's weight among <see cref="DenseWeightCandidates"/> with the best held-out accuracy (ties: the
    /// lower log-loss at its own fitted temperature), on the first folds that hold <see cref="SelectionExamples"/>
    /// examples, all of a small data set. Training data only: the folds are the calibration folds. Each candidate
    /// starts from the previous one's dual solution, which stays feasible when only feature values change.
    /// Leaves the winner's held-out scores and duals in <paramref name="fold"/>; returns the weight and the folds run.
    /// </summary>
    static (float Weight, int Folds) ChooseDenseWeight(SparseMatrix sparse, float[][] embeddings, FoldRun fold,
        IProgress<string>? progress, Stopwatch clock)
    {
        int run = 0;
        for (int covered = 0; run < fold.Count && covered < SelectionExamples; run++)
            covered += fold.Folds.Count(f => f == run);
        float bestWeight = 0;
        (double Accuracy, double LogLoss) best = (-1, double.PositiveInfinity);
        FoldRun? bestRun = null, previous = null;
        foreach (float weight in DenseWeightCandidates)
        {
            var x = sparse.WithDenseColumns(embeddings, weight);
            var candidate = fold.Fresh();
            for (int f = 0; f < run; f++)
                candidate.Train(x, f, previous?.Alphas[f]);
            double accuracy = candidate.Accuracy(0, run);
            var scored = Enumerable.Range(0, fold.Y.Length).Where(i => candidate.Scores[i] is not null).ToArray();
            var scores = scored.Select(i => candidate.Scores[i]!).ToArray();
            var gold = scored.Select(i => fold.Y[i]).ToArray();
            // with parts, the scores are the parts' margins and held-out accuracy alone decides
            double logLoss = fold.Parts is null ? Calibration.NegativeLogLikelihood(scores, gold, Calibration.FitTemperature(scores, gold)) : 0;
            progress?.Report($"dense weight {weight:0.##}: held-out accuracy {accuracy:F4}, log-loss {logLoss:F4} " +
                $"({scored.Length} examples, {run} of {fold.Count} folds; {Elapsed(clock)})");
            if (accuracy > best.Accuracy || (accuracy == best.Accuracy && logLoss < best.LogLoss))
                (best, bestWeight, bestRun) = ((accuracy, logLoss), weight, candidate);
            previous = candidate;
        }
        fold.CopyFrom(bestRun!);
        progress?.Report($"dense weight: {bestWeight:0.##}");
        return (bestWeight, run);
    }

    /// <summary>
    /// The calibration folds' state: each run fold's duals [C][its training rows] and the held-out scores [N][C] of the
    /// rows it held out (null for rows of folds not run). C: the labels, or their parts (<paramref name="parts"/>), of
    /// which row i is positive for <paramref name="positives"/>[i].
    /// </summary>
    sealed class FoldRun(int[] y, int[][] positives, IReadOnlyList<string> classes, IntentParts? parts, int[] folds, SvmOptions svm)
    {
        public int[] Y { get; } = y;
        public IntentParts? Parts { get; } = parts;
        public int[] Folds { get; } = folds;
        public int Count { get; } = folds.Max() + 1;
        public float[]?[] Scores { get; private set; } = new float[y.Length][];
        public float[][]?[] Alphas { get; private set; } = new float[folds.Max() + 1][][];

        public FoldRun Fresh() => new(Y, positives, classes, Parts, Folds, svm);

        public void CopyFrom(FoldRun other)
        {
            Scores = other.Scores;
            Alphas = other.Alphas;
        }

        public int[] TrainRows(int fold) => Enumerable.Range(0, Y.Length).Where(i => Folds[i] != fold).ToArray();

        /// <summary>Trains on every fold but <paramref name="fold"/> and scores the rows it holds out.</summary>
        public void Train(SparseMatrix x, int fold, float[][]? warmStart)
        {
            var trainRows = TrainRows(fold);
            var (rows, alphas) = LinearSvmTrainer.Train(x.SelectRows(trainRows), trainRows.Select(i => positives[i]).ToArray(),
                classes.Count, svm, warmStart);
            Alphas[fold] = alphas;
            var model = IntentClassifier.FromClassRows(classes, rows, 1f);
            for (int i = 0; i < Y.Length; i++)
            {
                if (Folds[i] != fold) continue;
                Scores[i] = new float[classes.Count];
                model.Scores(x.RowColumns(i), x.RowValues(i), Scores[i]);
            }
        }

        /// <summary>Arg-max accuracy on the rows held out by folds [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public double Accuracy(int from, int to)
        {
            int heldOut = 0, correct = 0;
            for (int i = 0; i < Y.Length; i++)
            {
                if (Folds[i] < from || Folds[i] >= to) continue;
                heldOut++;
                if (Predicted(Scores[i]!) == Y[i]) correct++;
            }
            return correct / (double)Math.Max(1, heldOut);
        }

        /// <summary>The label of held-out scores: the best class, or with parts the best label at σ(s) (Platt not yet fitted).</summary>
        int Predicted(float[] scores)
        {
            if (Parts is null) return TensorPrimitives.IndexOfMax(scores);
            var probabilities = new float[Parts.Labels.Count];
            Parts.LabelProbabilities(scores, probabilities);
            return TensorPrimitives.IndexOfMax(probabilities);
        }
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
