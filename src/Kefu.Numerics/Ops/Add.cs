using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Element-wise sum of two tensors of the same shape (residual connections).</summary>
public static class AddOp
{
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Add(a, b, y);

    public static void ForwardReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        for (int i = 0; i < a.Length; i++)
            y[i] = a[i] + b[i];
    }

    // da += dy; db += dy
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dInput) => TensorPrimitives.Add(dInput, dy, dInput);

    public static Tensor Add(this Graph g, Tensor a, Tensor b)
    {
        if (a.Shape != b.Shape)
            throw new ArgumentException($"Add: shapes {a.Shape} and {b.Shape} differ.");
        var y = g.NewOutput(a.Shape, a, b);
        Forward(a.Span, b.Span, y.Span);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = a, B = b });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            var dy = e.Output.Grad!.Span;
            if (Graph.Wants(e.A))
                AddOp.Backward(dy, g.GradOf(e.A!).Span);
            if (Graph.Wants(e.B))
                AddOp.Backward(dy, g.GradOf(e.B!).Span);
        }
    }
}
