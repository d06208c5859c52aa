using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// y = x with d added to the columns [offset, offset + K): a low-rank update of some output rows of a fused projection
/// (a LoRA adapter on q_proj inside a q|k|v matrix). Legend: N rows, C columns of x, K columns of d.
/// </summary>
public static class AddColumnsOp
{
    // x [N, C], d [N, K] -> y [N, C]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> d, Span<float> y, int n, int c, int k, int offset)
    {
        x.CopyTo(y);
        for (int r = 0; r < n; r++)
            TensorPrimitives.Add(y.Slice(r * c + offset, k), d.Slice(r * k, k), y.Slice(r * c + offset, k));
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> d, Span<float> y, int n, int c, int k, int offset)
    {
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++)
                y[r * c + j] = x[r * c + j] + (j >= offset && j < offset + k ? d[r * k + j - offset] : 0f);
        }
    }

    // dx += dy; dd += dy[:, offset:offset+K]
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, Span<float> dd, int n, int c, int k, int offset)
    {
        if (!dx.IsEmpty)
            TensorPrimitives.Add(dx, dy, dx);
        if (dd.IsEmpty)
            return;
        for (int r = 0; r < n; r++)
            TensorPrimitives.Add(dd.Slice(r * k, k), dy.Slice(r * c + offset, k), dd.Slice(r * k, k));
    }

    public static Tensor AddColumns(this Graph g, Tensor x, Tensor d, int offset)
    {
        int n = x.Shape.Rows, c = x.Shape.Last, k = d.Shape.Last;
        if (d.Shape.Rows != n || offset < 0 || offset + k > c)
            throw new ArgumentException($"AddColumns: {d.Shape} does not fit into {x.Shape} at column {offset}.");
        var y = g.NewOutput(x.Shape, x, d);
        Forward(x.Span, d.Span, y.Span, n, c, k, offset);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, B = d, I0 = offset });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor x = e.A!, d = e.B!;
            AddColumnsOp.Backward(e.Output.Grad!.Span,
                Graph.Wants(x) ? g.GradOf(x).Span : default,
                Graph.Wants(d) ? g.GradOf(d).Span : default,
                x.Shape.Rows, x.Shape.Last, d.Shape.Last, e.I0);
        }
    }
}
