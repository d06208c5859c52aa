using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Element-wise hyperbolic tangent (BERT's pooler).</summary>
public static class TanhOp
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = MathF.Tanh(x[i]);
    }

    // dx += dy · (1 - y²)
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++)
            dx[i] += dy[i] * (1f - y[i] * y[i]);
    }

    public static Tensor Tanh(this Graph g, Tensor x)
    {
        var y = g.NewOutput(x.Shape, x);
        Forward(x.Span, y.Span);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            TanhOp.Backward(e.Output.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span);
    }
}
