using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Softmax cross-entropy with label smoothing ε, averaged over rows whose target is not <see cref="IgnoreTarget"/>:
/// loss = mean_n −Σ_k q_k log p_k, q = (1 − ε) onehot(target) + ε / K, as PyTorch's cross_entropy(label_smoothing=ε).
/// Legend: N rows, K classes.
/// </summary>
public static class CrossEntropyOp
{
    public const int IgnoreTarget = -1;

    // logits [N, K], targets [N] -> loss; probabilities [N, K] for backward
    public static float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> probabilities, int n, int k, float smoothing)
    {
        double total = 0;
        int counted = 0;
        for (int r = 0; r < n; r++)
        {
            var lr = logits.Slice(r * k, k);
            var pr = probabilities.Slice(r * k, k);
            TensorPrimitives.SoftMax(lr, pr);
            if (targets[r] == IgnoreTarget)
                continue;
            // log p_j = l_j − logsumexp(l)
            float max = TensorPrimitives.Max(lr);
            float sumExp = 0f;
            for (int j = 0; j < k; j++)
                sumExp += MathF.Exp(lr[j] - max);
            float logZ = max + MathF.Log(sumExp);
            float meanLogit = TensorPrimitives.Sum(lr) / k;
            total += (1f - smoothing) * (logZ - lr[targets[r]]) + smoothing * (logZ - meanLogit);
            counted++;
        }
        return counted == 0 ? 0f : (float)(total / counted);
    }

    // dlogits [N, K] += dloss · (p − q) / count
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> targets, float dloss, Span<float> dlogits, int n, int k, float smoothing)
    {
        int counted = Counted(targets, n);
        if (counted == 0)
            return;
        float scale = dloss / counted, uniform = smoothing / k;
        for (int r = 0; r < n; r++)
        {
            if (targets[r] == IgnoreTarget)
                continue;
            var pr = probabilities.Slice(r * k, k);
            var dr = dlogits.Slice(r * k, k);
            for (int j = 0; j < k; j++)
                dr[j] += scale * (pr[j] - uniform - (j == targets[r] ? 1f - smoothing : 0f));
        }
    }

    public static float ForwardReference(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int n, int k, float smoothing)
    {
        double total = 0;
        int counted = 0;
        for (int r = 0; r < n; r++)
        {
            if (targets[r] == IgnoreTarget)
                continue;
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < k; j++)
                max = Math.Max(max, logits[r * k + j]);
            for (int j = 0; j < k; j++)
                sum += Math.Exp(logits[r * k + j] - max);
            for (int j = 0; j < k; j++)
            {
                double q = smoothing / k + (j == targets[r] ? 1 - smoothing : 0);
                total -= q * (logits[r * k + j] - max - Math.Log(sum));
            }
            counted++;
        }
        return counted == 0 ? 0f : (float)(total / counted);
    }

    /// <summary>Scalar loss [1]. Targets (class ids or <see cref="IgnoreTarget"/>) must stay unchanged until backward has run.</summary>
    public static Tensor CrossEntropy(this Graph g, Tensor logits, ReadOnlyMemory<int> targets, float labelSmoothing = 0f)
    {
        int n = logits.Shape.Rows, k = logits.Shape.Last;
        var span = targets.Span;
        if (span.Length != n)
            throw new ArgumentException($"CrossEntropy: {span.Length} targets for {n} rows of logits {logits.Shape}.");
        for (int r = 0; r < n; r++)
        {
            if (span[r] != IgnoreTarget && (uint)span[r] >= (uint)k)
                throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {span[r]} at row {r} is outside [0, {k}).");
        }
        if (labelSmoothing < 0f || labelSmoothing > 1f)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"Label smoothing must be in [0, 1], got {labelSmoothing}.");
        var loss = g.NewOutput(new Shape(1), logits);
        var probabilities = g.NewTensor(logits.Shape);
        loss.Span[0] = Forward(logits.Span, span, probabilities.Span, n, k, labelSmoothing);
        if (g.Records(loss))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = loss, A = logits, Saved0 = probabilities, Ints = targets, F0 = labelSmoothing });
        return loss;
    }

    private static int Counted(ReadOnlySpan<int> targets, int n)
    {
        int counted = 0;
        for (int r = 0; r < n; r++)
        {
            if (targets[r] != IgnoreTarget)
                counted++;
        }
        return counted;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            CrossEntropyOp.Backward(e.Saved0!.Span, e.Ints.Span, e.Output.Grad!.Span[0], g.GradOf(e.A!).Span,
                e.A!.Shape.Rows, e.A!.Shape.Last, e.F0);
    }
}
