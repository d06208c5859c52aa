namespace Kefu.Nlu.Intents;

/// <summary>
/// Multi-intent labels (`greet+ask_price`, Rasa's `intent_tokenization_flag` with `intent_split_symbol`) learnt part by
/// part: one one-vs-rest SVM per distinct part P, its margin s turned into p = σ(a·s + b) with one (a, b) for all parts
/// (Platt scaling, fitted on held-out folds), and each known label L scored as the chance that exactly its parts are
/// present, the parts taken as independent:
///   log P(L) = Σ_{j ∈ L} log p_j + Σ_{j ∉ L} log(1 − p_j),  normalised over the known labels and "no part at all"
/// (which, as the "none" logit of <see cref="IntentClassifier"/>, leaves the probabilities summing to less than 1).
/// A combination never seen in training is not a label; <see cref="Compose"/> reads one from the parts themselves.
/// </summary>
public sealed class IntentParts
{
    readonly int[][] partsOfLabel; // [L][its parts]

    public string Separator { get; }
    /// <summary>The classifier's classes [P], ordinal order.</summary>
    public IReadOnlyList<string> Parts { get; }
    /// <summary>The whole labels [L] the model ranks.</summary>
    public IReadOnlyList<string> Labels { get; }
    public float Scale { get; }
    public float Offset { get; }

    public IntentParts(string separator, IReadOnlyList<string> labels, float scale = 1f, float offset = 0f)
    {
        if (separator.Length == 0) throw new ArgumentException("the intent split symbol must not be empty");
        Separator = separator;
        Labels = labels;
        Parts = [.. labels.SelectMany(Split).Distinct().Order(StringComparer.Ordinal)];
        var index = Parts.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
        partsOfLabel = [.. labels.Select(l => Split(l).Select(p => index[p]).Distinct().Order().ToArray())];
        Scale = scale;
        Offset = offset;
    }

    public IntentParts WithPlatt(float scale, float offset) => new(Separator, Labels, scale, offset);

    /// <summary>A label's parts, empty ones dropped (`a++b` is a and b).</summary>
    public string[] Split(string label) => label.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } parts
        ? parts : [label];

    public IReadOnlyList<int> PartsOf(int label) => partsOfLabel[label];

    /// <summary>p [P] = σ(a·s + b) of the part margins s [P].</summary>
    public void PartProbabilities(ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        for (int j = 0; j < scores.Length; j++) probabilities[j] = Sigmoid(Scale * scores[j] + Offset);
    }

    /// <summary>P(L) [L] of the part margins s [P], normalised with the empty set (see the class comment).</summary>
    public void LabelProbabilities(ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        // log p − log(1 − p) = z and log(1 − p) = −softplus(z) for z = a·s + b: no log of a rounded-off 0
        double none = 0;
        for (int j = 0; j < scores.Length; j++) none -= Softplus(Scale * scores[j] + Offset);
        double max = none;
        for (int l = 0; l < partsOfLabel.Length; l++)
        {
            double logP = none;
            foreach (int j in partsOfLabel[l]) logP += Scale * scores[j] + Offset;
            probabilities[l] = (float)logP;
            max = Math.Max(max, logP);
        }
        double sum = Math.Exp(none - max);
        for (int l = 0; l < partsOfLabel.Length; l++) sum += Math.Exp(probabilities[l] - max);
        for (int l = 0; l < partsOfLabel.Length; l++) probabilities[l] = (float)(Math.Exp(probabilities[l] - max) / sum);
    }

    /// <summary>The parts with p ≥ <paramref name="threshold"/>, joined in ordinal order (null when none is).</summary>
    public string? Compose(ReadOnlySpan<float> partProbabilities, double threshold)
    {
        var kept = new List<string>();
        for (int j = 0; j < partProbabilities.Length; j++)
            if (partProbabilities[j] >= threshold) kept.Add(Parts[j]);
        return kept.Count == 0 ? null : string.Join(Separator, kept);
    }

    /// <summary>
    /// Platt's (a, b) minimising the log-loss of σ(a·s + b) over held-out margins [N][P] and each row's true parts;
    /// Newton's method on the two parameters (the loss is convex in them).
    /// </summary>
    public static (float Scale, float Offset) FitPlatt(IReadOnlyList<float[]> scores, IReadOnlyList<IReadOnlyList<int>> positives)
    {
        double a = 1, b = 0;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
            for (int i = 0; i < scores.Count; i++)
            {
                var s = scores[i];
                for (int j = 0; j < s.Length; j++)
                {
                    double p = Sigmoid(a * s[j] + b), y = positives[i].Contains(j) ? 1 : 0, w = Math.Max(p * (1 - p), 1e-12);
                    ga += (p - y) * s[j];
                    gb += p - y;
                    haa += w * s[j] * s[j];
                    hab += w * s[j];
                    hbb += w;
                }
            }
            double det = haa * hbb - hab * hab;
            if (!(det > 0)) break;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if (Math.Abs(da) + Math.Abs(db) < 1e-6) break;
        }
        return ((float)a, (float)b);
    }

    static float Sigmoid(double z) => (float)(1 / (1 + Math.Exp(-z)));

    static double Softplus(double z) => z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
}
