using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Concatenation along the last dimension. Legend: N rows, C1 and C2 channels.</summary>
public static class ConcatOp
{
    // a [N, C1], b [N, C2] -> y [N, C1 + C2]
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int n, int c1, int c2)
    {
        for (int r = 0; r < n; r++)
        {
            a.Slice(r * c1, c1).CopyTo(y.Slice(r * (c1 + c2), c1));
            b.Slice(r * c2, c2).CopyTo(y.Slice(r * (c1 + c2) + c1, c2));
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int n, int c1, int c2)
    {
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < c1 + c2; c++)
                y[r * (c1 + c2) + c] = c < c1 ? a[r * c1 + c] : b[r * c2 + c - c1];
        }
    }

    // da += dy[:, :C1]; db += dy[:, C1:]
    public static void Backward(ReadOnlySpan<float> dy, Span<float> da, Span<float> db, int n, int c1, int c2)
    {
        for (int r = 0; r < n; r++)
        {
            var dyr = dy.Slice(r * (c1 + c2), c1 + c2);
            if (!da.IsEmpty)
                AddOp.Backward(dyr.Slice(0, c1), da.Slice(r * c1, c1));
            if (!db.IsEmpty)
                AddOp.Backward(dyr.Slice(c1, c2), db.Slice(r * c2, c2));
        }
    }

    public static Tensor Concat(this Graph g, Tensor a, Tensor b)
    {
        if (a.Shape.Rows != b.Shape.Rows)
            throw new ArgumentException($"Concat: {a.Shape} and {b.Shape} have different row counts.");
        int c1 = a.Shape.Last, c2 = b.Shape.Last;
        var y = g.NewOutput(a.Shape.WithLast(c1 + c2), a, b);
        Forward(a.Span, b.Span, y.Span, a.Shape.Rows, c1, c2);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = a, B = b });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor a = e.A!, b = e.B!;
            ConcatOp.Backward(e.Output.Grad!.Span,
                Graph.Wants(a) ? g.GradOf(a).Span : default,
                Graph.Wants(b) ? g.GradOf(b).Span : default,
                a.Shape.Rows, a.Shape.Last, b.Shape.Last);
        }
    }
}
