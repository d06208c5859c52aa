using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>One token per sequence, e.g. BERT's [CLS] at position 0. Legend: B sequences, T tokens, C channels.</summary>
public static class TakeTokenOp
{
    // x [B*T, C] -> y [B, C] = x[b*T + position]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int time, int channels, int position)
    {
        for (int b = 0; b < batch; b++)
            x.Slice((b * time + position) * channels, channels).CopyTo(y.Slice(b * channels, channels));
    }

    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int time, int channels, int position)
    {
        for (int b = 0; b < batch; b++)
            AddOp.Backward(dy.Slice(b * channels, channels), dx.Slice((b * time + position) * channels, channels));
    }

    public static Tensor TakeToken(this Graph g, Tensor x, int batch, int time, int position = 0)
    {
        if (x.Shape.Rows != batch * time || (uint)position >= (uint)time)
            throw new ArgumentException($"TakeToken: input {x.Shape} is not [{batch}*{time}, C] or position {position} is outside [0, {time}).");
        int channels = x.Shape.Last;
        var y = g.NewOutput(new Shape(batch, channels), x);
        Forward(x.Span, y.Span, batch, time, channels, position);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, I0 = batch, I1 = time, I2 = position });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            TakeTokenOp.Backward(e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.I0, e.I1, e.A!.Shape.Last, e.I2);
    }
}
