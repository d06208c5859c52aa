using System.Numerics.Tensors;
using Kefu.Nlu.Features;

namespace Kefu.Nlu.Intents;

/// <summary>
/// A linear intent classifier over sparse features: scores = xᵀW + b, confidences = softmax([scores, 0] / T)
/// with the temperature T fitted on held-out data (Guo et al., "On Calibration of Modern Neural Networks", 2017).
/// The extra logit 0 is "none of these": each one-vs-rest score is a margin whose decision boundary is 0,
/// so a message no intent claims gets low confidence everywhere, which is what out-of-scope detection needs.
/// Confidences therefore sum to less than 1.
/// </summary>
public sealed class IntentClassifier
{
    readonly float[] weights; // [F, C] row-major, so a sparse input touches F contiguous rows of C
    readonly float[] bias;    // [C]

    public IReadOnlyList<string> Labels { get; }
    public int FeatureCount { get; }
    public float Temperature { get; }
    public ReadOnlySpan<float> Weights => weights;
    public ReadOnlySpan<float> Bias => bias;

    public IntentClassifier(IReadOnlyList<string> labels, float[] weights, float[] bias, float temperature)
    {
        if (labels.Count == 0) throw new ArgumentException("at least one intent is required");
        if (bias.Length != labels.Count || weights.Length % labels.Count != 0)
            throw new ArgumentException($"weights [{weights.Length}] and bias [{bias.Length}] do not fit {labels.Count} intents");
        if (!(temperature > 0)) throw new ArgumentException("temperature must be positive");
        Labels = labels;
        this.weights = weights;
        this.bias = bias;
        FeatureCount = weights.Length / labels.Count;
        Temperature = temperature;
    }

    /// <summary>From per-class SVM rows [C][F + 1] (bias last), transposed to the inference layout.</summary>
    public static IntentClassifier FromClassRows(IReadOnlyList<string> labels, float[][] rows, float temperature)
    {
        int c = labels.Count, f = rows[0].Length - 1;
        var w = new float[f * c];
        var b = new float[c];
        for (int k = 0; k < c; k++)
        {
            for (int j = 0; j < f; j++) w[j * c + k] = rows[k][j];
            b[k] = rows[k][f];
        }
        return new IntentClassifier(labels, w, b, temperature);
    }

    public IntentClassifier WithTemperature(float temperature) => new(Labels, weights, bias, temperature);

    /// <summary>Raw scores [C] of one sparse input.</summary>
    public void Scores(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, Span<float> scores)
    {
        int c = bias.Length;
        bias.CopyTo(scores);
        for (int i = 0; i < columns.Length; i++)
        {
            var row = weights.AsSpan(columns[i] * c, c);
            TensorPrimitives.MultiplyAdd(row, values[i], scores, scores);
        }
    }

    /// <summary>Adds the scores of dense features [D] that are columns <paramref name="firstColumn"/>.. of the input to <paramref name="scores"/> [C].</summary>
    public void AddDenseScores(int firstColumn, ReadOnlySpan<float> values, Span<float> scores)
    {
        int c = bias.Length;
        if (firstColumn + values.Length > FeatureCount)
            throw new ArgumentException($"dense columns {firstColumn}..{firstColumn + values.Length - 1} exceed the {FeatureCount} features");
        for (int j = 0; j < values.Length; j++)
            TensorPrimitives.MultiplyAdd(weights.AsSpan((firstColumn + j) * c, c), values[j], scores, scores);
    }

    /// <summary>Calibrated probabilities [C]: softmax([scores, 0] / T) without the "none" entry, in place.</summary>
    public void Probabilities(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, Span<float> probabilities)
    {
        Scores(columns, values, probabilities);
        Softmax(probabilities, Temperature);
    }

    public static void Softmax(Span<float> scores, float temperature)
    {
        TensorPrimitives.Multiply(scores, 1f / temperature, scores);
        float max = MathF.Max(0f, TensorPrimitives.Max(scores));
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        float sum = TensorPrimitives.Sum(scores) + MathF.Exp(-max);
        TensorPrimitives.Divide(scores, sum, scores);
    }
}
