using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>y = factor · x (a weighted term of a loss).</summary>
public static class ScaleOp
{
    public static void Forward(ReadOnlySpan<float> x, float factor, Span<float> y) => TensorPrimitives.Multiply(x, factor, y);

    public static void ForwardReference(ReadOnlySpan<float> x, float factor, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = factor * x[i];
    }

    // dx += factor · dy
    public static void Backward(ReadOnlySpan<float> dy, float factor, Span<float> dx) => TensorPrimitives.MultiplyAdd(dy, factor, dx, dx);

    public static Tensor Scale(this Graph g, Tensor x, float factor)
    {
        var y = g.NewOutput(x.Shape, x);
        Forward(x.Span, factor, y.Span);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, F0 = factor });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) => ScaleOp.Backward(e.Output.Grad!.Span, e.F0, g.GradOf(e.A!).Span);
    }
}
