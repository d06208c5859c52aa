using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Masked mean over time: y[b] = Σ_t mask[b,t] · x[b,t] / max(Σ_t mask[b,t], 1). Legend: B sequences, T tokens, C channels.</summary>
public static class MeanPoolOp
{
    // x [B*T, C], mask [B, T] of 0/1 or empty (all ones) -> y [B, C]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y, int batch, int time, int channels)
    {
        for (int b = 0; b < batch; b++)
        {
            var yb = y.Slice(b * channels, channels);
            yb.Clear();
            float weight = 1f / Count(mask, b, time);
            for (int t = 0; t < time; t++)
            {
                float m = mask.IsEmpty ? 1f : mask[b * time + t];
                if (m != 0f)
                    TensorPrimitives.MultiplyAdd(x.Slice((b * time + t) * channels, channels), m * weight, yb, yb);
            }
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y, int batch, int time, int channels)
    {
        for (int b = 0; b < batch; b++)
        {
            float count = Count(mask, b, time);
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                for (int t = 0; t < time; t++)
                    sum += (mask.IsEmpty ? 1f : mask[b * time + t]) * x[(b * time + t) * channels + c];
                y[b * channels + c] = sum / count;
            }
        }
    }

    // dx[b,t] += mask[b,t] / count[b] · dy[b]
    public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx, int batch, int time, int channels)
    {
        for (int b = 0; b < batch; b++)
        {
            float weight = 1f / Count(mask, b, time);
            for (int t = 0; t < time; t++)
            {
                float m = mask.IsEmpty ? 1f : mask[b * time + t];
                var dxr = dx.Slice((b * time + t) * channels, channels);
                if (m != 0f)
                    TensorPrimitives.MultiplyAdd(dy.Slice(b * channels, channels), m * weight, dxr, dxr);
            }
        }
    }

    /// <param name="x">[B*T, C]</param>
    /// <param name="mask">[B, T], 1 for tokens, 0 for padding; null when no sequence is padded.</param>
    public static Tensor MeanPool(this Graph g, Tensor x, Tensor? mask, int batch, int time)
    {
        if (x.Shape.Rows != batch * time)
            throw new ArgumentException($"MeanPool: input {x.Shape} does not hold {batch} × {time} rows.");
        if (mask is not null && mask.Length != batch * time)
            throw new ArgumentException($"MeanPool: mask {mask.Shape} is not [{batch}, {time}].");
        int channels = x.Shape.Last;
        var y = g.NewOutput(new Shape(batch, channels), x);
        Forward(x.Span, mask is null ? default : mask.Span, y.Span, batch, time, channels);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, B = mask, I0 = batch, I1 = time });
        return y;
    }

    private static float Count(ReadOnlySpan<float> mask, int b, int time) =>
        mask.IsEmpty ? time : MathF.Max(TensorPrimitives.Sum(mask.Slice(b * time, time)), 1f);

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            MeanPoolOp.Backward(e.B is null ? default : e.B.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.I0, e.I1, e.A!.Shape.Last);
    }
}
