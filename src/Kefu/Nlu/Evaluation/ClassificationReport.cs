using System.Text.Json;

namespace Kefu.Nlu.Evaluation;

/// <summary>Precision, recall, F1 and support of one label or one average.</summary>
public sealed record LabelScores(double Precision, double Recall, double F1, int Support);

/// <summary>
/// scikit-learn's classification_report (output_dict=True, zero_division=0) and confusion_matrix, computed the same
/// way so the figures agree to the last bits that matter (tests compare them with sklearn itself):
/// labels are the sorted union of gold and predicted unless given; a label never predicted has precision 0, one
/// never gold recall 0; macro averages the per-label figures, weighted weights them by support; when the labels
/// cover every gold and predicted label, sklearn writes micro-F1 as "accuracy", else a "micro avg" row.
/// Rasa adds "confused_with" to each label: the (up to) three most frequent wrong predictions of its examples.
/// </summary>
public sealed class ClassificationReport
{
    /// <summary>The labels reported, in order.</summary>
    public IReadOnlyList<string> Labels { get; }
    public IReadOnlyDictionary<string, LabelScores> PerLabel { get; }
    /// <summary>Micro-F1 when the labels cover every label seen (sklearn's "accuracy"), else null and <see cref="MicroAvg"/>.</summary>
    public double? Accuracy { get; }
    public LabelScores? MicroAvg { get; }
    public LabelScores MacroAvg { get; }
    public LabelScores WeightedAvg { get; }
    /// <summary>Sorted union of gold and predicted labels: the rows and columns of <see cref="Confusion"/>.</summary>
    public IReadOnlyList<string> MatrixLabels { get; }
    /// <summary>[L, L] counts, row = gold, column = predicted (sklearn's confusion_matrix).</summary>
    public int[][] Confusion { get; }
    /// <summary>label -> wrong predicted label -> count, at most three per label (Rasa's _add_confused_labels_to_report).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> ConfusedWith { get; }
    /// <summary>Fraction of examples whose prediction equals the gold label (sklearn's accuracy_score).</summary>
    public double ExampleAccuracy { get; }
    public int Count { get; }

    ClassificationReport(IReadOnlyList<string> labels, Dictionary<string, LabelScores> perLabel, double? accuracy, LabelScores? micro,
        LabelScores macro, LabelScores weighted, IReadOnlyList<string> matrixLabels, int[][] confusion,
        Dictionary<string, IReadOnlyDictionary<string, int>> confusedWith, double exampleAccuracy, int count)
    {
        Labels = labels;
        PerLabel = perLabel;
        Accuracy = accuracy;
        MicroAvg = micro;
        MacroAvg = macro;
        WeightedAvg = weighted;
        MatrixLabels = matrixLabels;
        Confusion = confusion;
        ConfusedWith = confusedWith;
        ExampleAccuracy = exampleAccuracy;
        Count = count;
    }

    /// <param name="labels">The labels to report (Rasa's entity reports pass the gold labels without no_entity); null: all.</param>
    /// <param name="confusedWithExcluded">A label left out of confused_with on both sides (Rasa: no_entity).</param>
    public static ClassificationReport Compute(IReadOnlyList<string> gold, IReadOnlyList<string> predicted,
        IReadOnlyList<string>? labels = null, string? confusedWithExcluded = null)
    {
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions");
        var all = gold.Concat(predicted).Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = all.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var confusion = new int[all.Length][];
        for (int i = 0; i < all.Length; i++) confusion[i] = new int[all.Length];
        int correct = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            confusion[index[gold[i]]][index[predicted[i]]]++;
            if (gold[i] == predicted[i]) correct++;
        }

        var reported = labels?.ToArray() ?? all;
        bool microIsAccuracy = labels is null || all.All(reported.Contains);
        var perLabel = new Dictionary<string, LabelScores>(StringComparer.Ordinal);
        long tpSum = 0, predSum = 0, trueSum = 0;
        foreach (var label in reported)
        {
            int tp = 0, truth = 0, pred = 0;
            if (index.TryGetValue(label, out int k))
            {
                tp = confusion[k][k];
                for (int j = 0; j < all.Length; j++) { truth += confusion[k][j]; pred += confusion[j][k]; }
            }
            perLabel[label] = Scores(tp, pred, truth);
            tpSum += tp; predSum += pred; trueSum += truth;
        }
        var micro = Scores(tpSum, predSum, trueSum);
        int support = (int)trueSum;
        var macro = reported.Length == 0 ? new LabelScores(0, 0, 0, 0) : new LabelScores(
            reported.Average(l => perLabel[l].Precision), reported.Average(l => perLabel[l].Recall),
            reported.Average(l => perLabel[l].F1), support);
        var weighted = support == 0 ? new LabelScores(0, 0, 0, 0) : new LabelScores(
            reported.Sum(l => perLabel[l].Precision * perLabel[l].Support) / support,
            reported.Sum(l => perLabel[l].Recall * perLabel[l].Support) / support,
            reported.Sum(l => perLabel[l].F1 * perLabel[l].Support) / support, support);

        var confusedWith = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        foreach (var label in reported)
        {
            if (label == confusedWithExcluded) continue;
            var wrong = new Dictionary<string, int>(StringComparer.Ordinal);
            if (index.TryGetValue(label, out int k))
            {
                // Rasa looks at the row's three largest cells (np.argsort, largest first) and keeps the off-diagonal ones.
                var top = Enumerable.Range(0, all.Length).OrderByDescending(j => confusion[k][j]).ThenByDescending(j => j)
                    .Take(Math.Min(3, all.Length));
                foreach (int j in top)
                    if (j != k && all[j] != confusedWithExcluded && confusion[k][j] > 0) wrong[all[j]] = confusion[k][j];
            }
            confusedWith[label] = wrong;
        }
        return new ClassificationReport(reported, perLabel, microIsAccuracy ? micro.F1 : null, microIsAccuracy ? null : micro,
            macro, weighted, all, confusion, confusedWith, gold.Count == 0 ? 0 : correct / (double)gold.Count, gold.Count);
    }

    static LabelScores Scores(long tp, long pred, long truth)
    {
        double precision = pred == 0 ? 0 : tp / (double)pred;
        double recall = truth == 0 ? 0 : tp / (double)truth;
        // sklearn's _fbeta from counts: (1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp) with b = 1, 0 when the denominator is 0.
        double denominator = 2.0 * tp + (truth - tp) + (pred - tp);
        double f1 = denominator == 0 ? 0 : 2.0 * tp / denominator;
        return new LabelScores(precision, recall, f1, (int)truth);
    }

    /// <summary>
    /// Writes the report as Rasa's intent_report.json: per label {precision, recall, f1-score, support, confused_with},
    /// then "accuracy" (or "micro avg"), "macro avg", "weighted avg".
    /// </summary>
    public void WriteJson(Utf8JsonWriter w, bool confusedWith = true)
    {
        w.WriteStartObject();
        foreach (var label in Labels)
        {
            w.WritePropertyName(label);
            WriteScores(w, PerLabel[label], confusedWith && ConfusedWith.TryGetValue(label, out var wrong) ? wrong : null);
        }
        if (Accuracy is { } accuracy) w.WriteNumber("accuracy", accuracy);
        if (MicroAvg is { } micro) { w.WritePropertyName("micro avg"); WriteScores(w, micro, null); }
        w.WritePropertyName("macro avg");
        WriteScores(w, MacroAvg, null);
        w.WritePropertyName("weighted avg");
        WriteScores(w, WeightedAvg, null);
        w.WriteEndObject();
    }

    static void WriteScores(Utf8JsonWriter w, LabelScores s, IReadOnlyDictionary<string, int>? confusedWith)
    {
        w.WriteStartObject();
        w.WriteNumber("precision", s.Precision);
        w.WriteNumber("recall", s.Recall);
        w.WriteNumber("f1-score", s.F1);
        w.WriteNumber("support", s.Support);
        if (confusedWith is not null)
        {
            w.WriteStartObject("confused_with");
            foreach (var (label, count) in confusedWith) w.WriteNumber(label, count);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>The confusion matrix as {"labels": [L], "matrix": [L][L]}, rows gold, columns predicted.</summary>
    public void WriteMatrixJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("labels");
        foreach (var label in MatrixLabels) w.WriteStringValue(label);
        w.WriteEndArray();
        w.WriteStartArray("matrix");
        foreach (var row in Confusion)
        {
            w.WriteStartArray();
            foreach (int n in row) w.WriteNumberValue(n);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
