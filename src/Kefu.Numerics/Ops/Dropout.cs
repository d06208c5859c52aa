using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Inverted dropout: while training, each element is zeroed with probability p and the rest scaled by 1/(1-p).</summary>
public static class DropoutOp
{
    // mask [N] of 0 or 1/(1-p), drawn from rng
    public static void FillMask(Rng rng, float p, Span<float> mask)
    {
        float scale = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++)
            mask[i] = rng.NextFloat() < p ? 0f : scale;
    }

    // y = x ⊙ mask; backward dx += dy ⊙ mask
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) => TensorPrimitives.Multiply(x, mask, y);

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = x[i] * mask[i];
    }

    public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx) =>
        TensorPrimitives.FusedMultiplyAdd(dy, mask, dx, dx);

    /// <summary>Returns x itself outside training or when p is 0.</summary>
    public static Tensor Dropout(this Graph g, Tensor x, float p)
    {
        if (p < 0f || p >= 1f)
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability must be in [0, 1), got {p}.");
        if (!g.Training || p == 0f)
            return x;
        var mask = g.NewTensor(x.Shape);
        FillMask(g.Rng, p, mask.Span);
        var y = g.NewOutput(x.Shape, x);
        Forward(x.Span, mask.Span, y.Span);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, Saved0 = mask });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            DropoutOp.Backward(e.Saved0!.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span);
    }
}
