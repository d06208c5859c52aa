using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Element-wise max(x, 0).</summary>
public static class ReluOp
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = x[i] > 0f ? x[i] : 0f;
    }

    // dx += dy where x > 0
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > 0f)
                dx[i] += dy[i];
        }
    }

    public static Tensor Relu(this Graph g, Tensor x)
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
            ReluOp.Backward(e.A!.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span);
    }
}
