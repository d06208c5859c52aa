using System.Diagnostics;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;

namespace Kefu.Nlu.Evaluation;

/// <summary>One operating point of the out-of-scope threshold on held-out folds.</summary>
public sealed record OosOperatingPoint(float InScopeRejection, double InScopeAccuracy, double OosRecall);

/// <summary>
/// Held-out figures of one configuration: <paramref name="Accuracy"/> of the arg-max intent, and with an OOS
/// label the in-scope accuracy and OOS recall at each candidate <see cref="NluConfig.OosInScopeRejection"/>.
/// </summary>
public sealed record CrossValidationResult(double Accuracy, IReadOnlyList<OosOperatingPoint> OosCurve, double Seconds);

/// <summary>
/// k-fold cross-validation on training data only, for choosing settings without looking at a test set.
/// Each fold fits its own vocabulary and IDF on its training part, so held-out rows see unseen n-grams as a
/// test set would; held-out scores of all folds are pooled, the temperature fitted on them, and the OOS
/// threshold rule of <see cref="NluTrainer"/> applied at each candidate rejection rate.
/// </summary>
public static class NluCrossValidation
{
    public static CrossValidationResult Run(NluTrainingData data, NluConfig config, int folds,
        IReadOnlyList<float> rejectionRates)
    {
        var clock = Stopwatch.StartNew();
        var labels = data.Examples.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var texts = data.Examples.Select(e => e.Text).ToArray();
        var y = data.Examples.Select(e => labelIndex[e.Intent]).ToArray();
        CheckFolds(data.Examples, folds);
        var fold = NluTrainer.StratifiedFolds(y, labels.Length, folds, config.Seed);
        var scores = new float[y.Length][];
        var patterns = EntityPatterns.Of(data);
        for (int f = 0; f < folds; f++)
        {
            var trainRows = Enumerable.Range(0, y.Length).Where(i => fold[i] != f).ToArray();
            var testRows = Enumerable.Range(0, y.Length).Where(i => fold[i] == f).ToArray();
            var vectorizer = SparseVectorizer.Fit(trainRows.Select(i => texts[i]).ToArray(), config.Features, patterns);
            var xTrain = vectorizer.TransformAll(trainRows.Select(i => texts[i]).ToArray());
            var (rows, _) = LinearSvmTrainer.Train(xTrain, trainRows.Select(i => y[i]).ToArray(), labels.Length, config.Svm);
            var model = IntentClassifier.FromClassRows(labels, rows, 1f);
            var xTest = vectorizer.TransformAll(testRows.Select(i => texts[i]).ToArray());
            for (int r = 0; r < testRows.Length; r++)
            {
                scores[testRows[r]] = new float[labels.Length];
                model.Scores(xTest.RowColumns(r), xTest.RowValues(r), scores[testRows[r]]);
            }
        }
        var predicted = scores.Select(ArgMax).ToArray();
        double accuracy = Enumerable.Range(0, y.Length).Count(i => predicted[i] == y[i]) / (double)y.Length;

        var curve = new List<OosOperatingPoint>();
        if (config.OosLabel is { } oos && labelIndex.TryGetValue(oos, out int oosIndex))
        {
            float temperature = Calibration.FitTemperature(scores, y);
            var heldOut = Enumerable.Range(0, y.Length).Select(i =>
            {
                var p = (float[])scores[i].Clone();
                IntentClassifier.Softmax(p, temperature);
                return (predicted[i], p[predicted[i]], y[i]);
            }).ToList();
            foreach (float rate in rejectionRates)
            {
                float threshold = Calibration.FitOosThreshold(heldOut, oosIndex, rate);
                int inScope = 0, inScopeCorrect = 0, outOfScope = 0, caught = 0;
                foreach (var (label, confidence, gold) in heldOut)
                {
                    int decided = confidence < threshold ? oosIndex : label;
                    if (gold == oosIndex) { outOfScope++; if (decided == oosIndex) caught++; }
                    else { inScope++; if (decided == gold) inScopeCorrect++; }
                }
                curve.Add(new OosOperatingPoint(rate, inScopeCorrect / (double)Math.Max(1, inScope), caught / (double)Math.Max(1, outOfScope)));
            }
        }
        return new CrossValidationResult(accuracy, curve, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// K stratified folds over the real examples (labels in ordinal order, <see cref="NluTrainer.StratifiedFolds"/>);
    /// augmented examples (<see cref="NluExample.Augmentation"/>) join every training part and never a test part.
    /// </summary>
    public static IReadOnlyList<(NluTrainingData Train, IReadOnlyList<NluExample> Test)> Folds(NluTrainingData data, int k, int seed)
    {
        var real = data.Examples.Where(e => e.Augmentation is null).ToList();
        var augmented = data.Examples.Where(e => e.Augmentation is not null).ToList();
        var labels = real.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var fold = NluTrainer.StratifiedFolds(real.Select(e => index[e.Intent]).ToArray(), labels.Count, k, seed);
        return Enumerable.Range(0, k).Select(f => (
            data with { Examples = real.Where((_, i) => fold[i] != f).Concat(augmented).ToList() },
            (IReadOnlyList<NluExample>)real.Where((_, i) => fold[i] == f).ToList())).ToList();
    }

    /// <summary>
    /// Held-out evaluation with any trainer (a config.yml's pipeline): each fold of <see cref="Folds"/> is predicted by a
    /// model trained on the others; one evaluation per fold.
    /// </summary>
    public static IReadOnlyList<NluEvaluation> HeldOut(NluTrainingData data, int folds, int seed,
        Func<NluTrainingData, NluModel> trainer, IProgress<string>? progress = null)
    {
        CheckFolds(data.Examples.Where(e => e.Augmentation is null).ToList(), folds);
        var perFold = new List<NluEvaluation>();
        var parts = Folds(data, folds, seed);
        for (int f = 0; f < parts.Count; f++)
        {
            var (train, test) = parts[f];
            progress?.Report($"fold {f + 1}/{folds}: training on {train.Examples.Count} examples, testing on {test.Count}");
            perFold.Add(NluTestRun.Evaluate(trainer(train), test));
        }
        return perFold;
    }

    /// <summary>
    /// Every intent needs an example in each fold to be tested, and examples outside it to be learnt: a fold count above
    /// the smallest intent's example count (real examples: augmented ones never test) is refused, naming the intents
    /// (sklearn's StratifiedKFold only warns).
    /// </summary>
    public static void CheckFolds(IReadOnlyList<NluExample> examples, int folds)
    {
        if (folds < 2) throw new ArgumentException($"--folds {folds}: cross-validation needs at least 2 folds");
        if (examples.Count == 0) throw new ArgumentException("no examples to cross-validate");
        var small = examples.GroupBy(e => e.Intent).Where(g => g.Count() < folds)
            .OrderBy(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (small.Count == 0) return;
        string names = string.Join(", ", small.Take(5).Select(g => $"{g.Key} ({g.Count()})")) + (small.Count > 5 ? $" and {small.Count - 5} more" : "");
        int fewest = small.Min(g => g.Count());
        string advice = fewest >= 2 ? $"use --folds {fewest} or fewer, or add examples to these intents" : "add examples to these intents (at least 2 each)";
        throw new ArgumentException($"--folds {folds} is more than the smallest intent's example count: {names}. " +
            $"Each fold must hold out at least one example of every intent: {advice}.");
    }

    static int ArgMax(float[] s)
    {
        int best = 0;
        for (int k = 1; k < s.Length; k++) if (s[k] > s[best]) best = k;
        return best;
    }
}
