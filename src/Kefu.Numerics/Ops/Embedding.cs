using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Row lookup in a table: y[n] = table[ids[n]]. Legend: N ids, V table rows (vocabulary), C channels.</summary>
public static class EmbeddingOp
{
    // ids [N], table [V, C] -> y [N, C]
    public static void Forward(ReadOnlySpan<int> ids, ReadOnlySpan<float> table, Span<float> y, int channels)
    {
        for (int n = 0; n < ids.Length; n++)
            table.Slice(ids[n] * channels, channels).CopyTo(y.Slice(n * channels, channels));
    }

    public static void ForwardReference(ReadOnlySpan<int> ids, ReadOnlySpan<float> table, Span<float> y, int channels)
    {
        for (int n = 0; n < ids.Length; n++)
        {
            for (int c = 0; c < channels; c++)
                y[n * channels + c] = table[ids[n] * channels + c];
        }
    }

    // dtable [V, C] += scatter of dy [N, C] by ids
    public static void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy, Span<float> dtable, int channels)
    {
        for (int n = 0; n < ids.Length; n++)
        {
            var row = dtable.Slice(ids[n] * channels, channels);
            TensorPrimitives.Add(row, dy.Slice(n * channels, channels), row);
        }
    }

    /// <summary>[N, C] rows of <paramref name="table"/> [V, C]. The ids must stay unchanged until backward has run.</summary>
    public static Tensor Embedding(this Graph g, Tensor table, ReadOnlyMemory<int> ids)
    {
        if (table.Shape.Rank != 2)
            throw new ArgumentException($"Embedding: table must be [V, C], got {table.Shape}.");
        int vocab = table.Shape[0], channels = table.Shape[1];
        var span = ids.Span;
        for (int n = 0; n < span.Length; n++)
        {
            if ((uint)span[n] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Embedding: id {span[n]} at position {n} is outside the table's {vocab} rows.");
        }
        var y = g.NewOutput(new Shape(span.Length, channels), table);
        Forward(span, table.Span, y.Span, channels);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = table, Ints = ids });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            EmbeddingOp.Backward(e.Ints.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.A!.Shape[1]);
    }
}
