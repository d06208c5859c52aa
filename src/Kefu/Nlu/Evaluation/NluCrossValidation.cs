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

    static int ArgMax(float[] s)
    {
        int best = 0;
        for (int k = 1; k < s.Length; k++) if (s[k] > s[best]) best = k;
        return best;
    }
}
