using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Knowledge distillation's soft-target loss (Hinton et al., 2015): T² · mean over rows of −Σ_k p_k ln softmax(z / T)_k,
/// with p the teacher's probabilities at the same temperature. T² keeps its gradients on the scale of the hard loss.
/// Legend: N rows, K classes.
/// </summary>
public static class SoftCrossEntropyOp
{
    /// <summary>Loss of logits [N, K] against target probabilities [N, K]; writes softmax(z / T) to <paramref name="probabilities"/>.</summary>
    public static float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> probabilities, int n, int k, float temperature)
    {
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            var z = logits.Slice(r * k, k);
            var q = probabilities.Slice(r * k, k);
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
                max = MathF.Max(max, z[j] / temperature);
            double sum = 0;
            for (int j = 0; j < k; j++)
                sum += Math.Exp(z[j] / temperature - max);
            double logSum = Math.Log(sum) + max;
            for (int j = 0; j < k; j++)
            {
                double logQ = z[j] / temperature - logSum;
                q[j] = (float)Math.Exp(logQ);
                total -= targets[r * k + j] * logQ;
            }
        }
        return (float)(total * temperature * temperature / n);
    }

    // dz = T² · (1/T) · (q − p) / N = T (q − p) / N
    public static void Backward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, float dloss, Span<float> dlogits, int n, float temperature)
    {
        float scale = dloss * temperature / n;
        for (int i = 0; i < dlogits.Length; i++)
            dlogits[i] += scale * (probabilities[i] - targets[i]);
    }

    /// <summary>Scalar loss [1]. The target array must stay unchanged until backward has run.</summary>
    public static Tensor SoftCrossEntropy(this Graph g, Tensor logits, ReadOnlyMemory<float> targets, float temperature)
    {
        int n = logits.Shape.Rows, k = logits.Shape.Last;
        if (targets.Length != n * k)
            throw new ArgumentException($"SoftCrossEntropy: {targets.Length} target probabilities for logits {logits.Shape}.");
        if (!(temperature > 0))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"SoftCrossEntropy: temperature must be positive, got {temperature}.");
        var loss = g.NewOutput(new Shape(1), logits);
        var probabilities = g.NewTensor(logits.Shape);
        loss.Span[0] = Forward(logits.Span, targets.Span, probabilities.Span, n, k, temperature);
        if (g.Records(loss))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = loss, A = logits, Saved0 = probabilities, Extra = targets, F0 = temperature });
        return loss;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            SoftCrossEntropyOp.Backward(e.Saved0!.Span, ((ReadOnlyMemory<float>)e.Extra!).Span, e.Output.Grad!.Span[0], g.GradOf(e.A!).Span,
                e.A!.Shape.Rows, e.F0);
    }
}
