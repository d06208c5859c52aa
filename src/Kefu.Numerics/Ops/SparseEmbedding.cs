using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Sparse features times a dense weight: y = X · W with X a CSR matrix [R, F] of hashed n-gram feature
/// ids (DIET's sparse input layer). Legend: R rows (tokens or sentences), F feature ids, C channels.
/// </summary>
public static class SparseEmbeddingOp
{
    // x CSR [R, F], w [F, C] -> y [R, C]
    public static void Forward(CsrMatrix x, ReadOnlySpan<float> w, Span<float> y, int channels)
    {
        y.Slice(0, x.Rows * channels).Clear();
        for (int r = 0; r < x.Rows; r++)
        {
            var row = y.Slice(r * channels, channels);
            for (int k = x.RowStarts[r]; k < x.RowStarts[r + 1]; k++)
                TensorPrimitives.MultiplyAdd(w.Slice(x.Columns[k] * channels, channels), x.Values[k], row, row);
        }
    }

    public static void ForwardReference(CsrMatrix x, ReadOnlySpan<float> w, Span<float> y, int channels)
    {
        for (int r = 0; r < x.Rows; r++)
        {
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                for (int k = x.RowStarts[r]; k < x.RowStarts[r + 1]; k++)
                    sum += x.Values[k] * w[x.Columns[k] * channels + c];
                y[r * channels + c] = sum;
            }
        }
    }

    // dw [F, C] += Xᵀ · dy
    public static void Backward(CsrMatrix x, ReadOnlySpan<float> dy, Span<float> dw, int channels)
    {
        for (int r = 0; r < x.Rows; r++)
        {
            var dyRow = dy.Slice(r * channels, channels);
            for (int k = x.RowStarts[r]; k < x.RowStarts[r + 1]; k++)
            {
                var dwRow = dw.Slice(x.Columns[k] * channels, channels);
                TensorPrimitives.MultiplyAdd(dyRow, x.Values[k], dwRow, dwRow);
            }
        }
    }

    /// <summary>[R, C] = X [R, F] · W [F, C]. X must stay unchanged until backward has run.</summary>
    public static Tensor SparseEmbedding(this Graph g, CsrMatrix x, Tensor w)
    {
        if (w.Shape.Rank != 2 || w.Shape[0] != x.ColumnCount)
            throw new ArgumentException($"SparseEmbedding: weight {w.Shape} does not match a sparse input with {x.ColumnCount} feature ids.");
        var y = g.NewOutput(new Shape(x.Rows, w.Shape[1]), w);
        Forward(x, w.Span, y.Span, w.Shape[1]);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = w, Extra = x });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            SparseEmbeddingOp.Backward((CsrMatrix)e.Extra!, e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.A!.Shape[1]);
    }
}
