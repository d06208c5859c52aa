using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Fused masked multi-head self-attention core (Vaswani et al., 2017): per sequence b and head h,
/// P = softmax(Q Kᵀ / √D + key mask), O = dropout(P) V, computed with GEMMs on strided head views, so
/// no [B, H, T, D] copies are made. Legend: B sequences, T tokens, H heads, D = C / H head size, C channels.
/// </summary>
public static class SelfAttentionOp
{
    private const float Masked = -1e30f;

    // qkv [B*T, 3C] (Q | K | V, head h in columns h*D..h*D+D-1 of each), keyMask [B, T] 1 keep / 0 pad or empty,
    // dropMask [B, H, T, T] of 0 or 1/(1-p) or empty -> probs [B, H, T, T], y [B*T, C]; scratch [B, T, T]
    public static void Forward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> keyMask, ReadOnlySpan<float> dropMask,
        Span<float> probs, Span<float> scratch, Span<float> y, int batch, int time, int heads, int channels, bool causal = false)
    {
        for (int b = 0; b < batch; b++)
            ForwardSequence(b, 0, heads, qkv, keyMask, dropMask, probs, scratch.Slice(b * time * time, time * time), y, time, heads, channels, causal);
    }

    // one sequence b, heads [firstHead, endHead); scratch [T, T] (read only with a dropout mask)
    private static void ForwardSequence(int b, int firstHead, int endHead, ReadOnlySpan<float> qkv, ReadOnlySpan<float> keyMask, ReadOnlySpan<float> dropMask,
        Span<float> probs, Span<float> scratch, Span<float> y, int time, int heads, int channels, bool causal)
    {
        int d = channels / heads, ld = 3 * channels, tt = time * time;
        float scale = 1f / MathF.Sqrt(d);
        var seq = qkv.Slice(b * time * ld);
        for (int h = firstHead; h < endHead; h++)
        {
            var p = probs.Slice((b * heads + h) * tt, tt);
            // S [T, T] = scale · Q Kᵀ
            Gemm.Sgemm(false, true, time, time, d, scale, seq.Slice(h * d), ld, seq.Slice(channels + h * d), ld, 0f, p, time);
            for (int i = 0; i < time; i++)
            {
                var row = p.Slice(i * time, time);
                if (!keyMask.IsEmpty)
                {
                    for (int j = 0; j < time; j++)
                    {
                        if (keyMask[b * time + j] == 0f)
                            row[j] = Masked;
                    }
                }
                if (causal)
                    row.Slice(i + 1).Fill(Masked); // token i sees tokens 0..i only
                TensorPrimitives.SoftMax(row, row);
            }
            ReadOnlySpan<float> weights = p;
            if (!dropMask.IsEmpty)
            {
                TensorPrimitives.Multiply(p, dropMask.Slice((b * heads + h) * tt, tt), scratch);
                weights = scratch;
            }
            // O [T, D] = weights [T, T] · V [T, D]
            Gemm.Sgemm(false, false, time, d, time, 1f, weights, time, seq.Slice(2 * channels + h * d), ld, 0f, y.Slice(b * time * channels + h * d), channels);
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> qkv, ReadOnlySpan<float> keyMask, Span<float> y, int batch, int time, int heads, int channels, bool causal = false)
    {
        int d = channels / heads, ld = 3 * channels;
        double scale = 1.0 / Math.Sqrt(d);
        var scores = new double[time];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < time; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < time; j++)
                    {
                        double s = 0;
                        for (int e = 0; e < d; e++)
                            s += qkv[(b * time + i) * ld + h * d + e] * qkv[(b * time + j) * ld + channels + h * d + e];
                        bool masked = (!keyMask.IsEmpty && keyMask[b * time + j] == 0f) || (causal && j > i);
                        scores[j] = masked ? Masked : s * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < time; j++)
                        sum += scores[j] = Math.Exp(scores[j] - max);
                    for (int e = 0; e < d; e++)
                    {
                        double o = 0;
                        for (int j = 0; j < time; j++)
                            o += scores[j] / sum * qkv[(b * time + j) * ld + 2 * channels + h * d + e];
                        y[(b * time + i) * channels + h * d + e] = (float)o;
                    }
                }
            }
        }
    }

    // dqkv [B*T, 3C] += gradients of Q, K, V given dy [B*T, C]; scratch [B, 2, T, T]
    public static void Backward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dropMask, ReadOnlySpan<float> dy,
        Span<float> dqkv, Span<float> scratch, int batch, int time, int heads, int channels)
    {
        for (int b = 0; b < batch; b++)
            BackwardSequence(b, qkv, probs, dropMask, dy, dqkv, scratch.Slice(2 * b * time * time, 2 * time * time), time, heads, channels);
    }

    // one sequence b, every head; scratch [2, T, T]
    private static void BackwardSequence(int b, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dropMask, ReadOnlySpan<float> dy,
        Span<float> dqkv, Span<float> scratch, int time, int heads, int channels)
    {
        int d = channels / heads, ld = 3 * channels, tt = time * time;
        float scale = 1f / MathF.Sqrt(d);
        var weights = scratch.Slice(0, tt);
        var dp = scratch.Slice(tt, tt);
        var seq = qkv.Slice(b * time * ld);
        var dseq = dqkv.Slice(b * time * ld);
        var dout = dy.Slice(b * time * channels);
        for (int h = 0; h < heads; h++)
        {
            var p = probs.Slice((b * heads + h) * tt, tt);
            var drop = dropMask.IsEmpty ? default : dropMask.Slice((b * heads + h) * tt, tt);
            if (drop.IsEmpty)
                p.CopyTo(weights);
            else
                TensorPrimitives.Multiply(p, drop, weights);
            var dO = dout.Slice(h * d);
            // d weights [T, T] = dO [T, D] · Vᵀ; dV [T, D] += weightsᵀ · dO
            Gemm.Sgemm(false, true, time, time, d, 1f, dO, channels, seq.Slice(2 * channels + h * d), ld, 0f, dp, time);
            Gemm.Sgemm(true, false, time, d, time, 1f, weights, time, dO, channels, 1f, dseq.Slice(2 * channels + h * d), ld);
            if (!drop.IsEmpty)
                TensorPrimitives.Multiply(dp, drop, dp);
            // dS = P ⊙ (dP − rowsum(dP ⊙ P)), in place in dp
            for (int i = 0; i < time; i++)
            {
                var pr = p.Slice(i * time, time);
                var dr = dp.Slice(i * time, time);
                float dot = TensorPrimitives.Dot(pr, dr);
                TensorPrimitives.Subtract(dr, dot, dr);
                TensorPrimitives.Multiply(dr, pr, dr);
            }
            // dQ += scale · dS K; dK += scale · dSᵀ Q
            Gemm.Sgemm(false, false, time, d, time, scale, dp, time, seq.Slice(channels + h * d), ld, 1f, dseq.Slice(h * d), ld);
            Gemm.Sgemm(true, false, time, d, time, scale, dp, time, seq.Slice(h * d), ld, 1f, dseq.Slice(channels + h * d), ld);
        }
    }

    /// <param name="qkv">[B*T, 3C]: the query, key and value projections side by side.</param>
    /// <param name="keyMask">[B, T], 1 for tokens and 0 for padding (never attended to); null when nothing is padded.</param>
    /// <param name="dropout">Dropout on the attention probabilities while training.</param>
    /// <returns>[B*T, C], heads concatenated.</returns>
    /// <param name="causal">Each token attends only to itself and earlier tokens (decoders).</param>
    public static Tensor SelfAttention(this Graph g, Tensor qkv, Tensor? keyMask, int batch, int time, int heads, float dropout = 0f, bool causal = false)
    {
        int channels = qkv.Shape.Last / 3;
        if (qkv.Shape.Last % 3 != 0 || qkv.Shape.Rows != batch * time || heads <= 0 || channels % heads != 0)
            throw new ArgumentException($"SelfAttention: qkv {qkv.Shape} is not [{batch}*{time}, 3C] with C divisible by {heads} heads.");
        if (keyMask is not null && keyMask.Length != batch * time)
            throw new ArgumentException($"SelfAttention: key mask {keyMask.Shape} is not [{batch}, {time}].");
        if (dropout < 0f || dropout >= 1f)
            throw new ArgumentOutOfRangeException(nameof(dropout), $"Dropout probability must be in [0, 1), got {dropout}.");
        var y = g.NewOutput(new Shape(batch * time, channels), qkv);
        var probs = g.NewTensor(new Shape(batch, heads, time, time));
        var scratch = g.NewTensor(new Shape(batch, time, time));
        Tensor? drop = null;
        if (g.Training && dropout > 0f)
        {
            drop = g.NewTensor(probs.Shape);
            DropoutOp.FillMask(g.Rng, dropout, drop.Span);
        }
        SequenceParallel.ForThisThread().Forward(qkv, keyMask, drop, probs, scratch, y, batch, time, heads, causal);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = qkv, Saved0 = probs, Saved1 = drop, I0 = batch, I1 = time, I2 = heads });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor qkv = e.A!;
            int time = e.I1;
            var scratch = g.NewTensor(new Shape(e.I0, 2 * time, time));
            SequenceParallel.ForThisThread().Backward(qkv, e.Saved0!, e.Saved1, e.Output.Grad!, g.GradOf(qkv), scratch, e.I0, time, e.I2);
        }
    }

    /// <summary>
    /// Runs the sequences of a batch on up to <see cref="Gemm.MaxThreads"/> threads, or, for fewer sequences than threads
    /// and no dropout (inference), their heads. Each sequence or head writes only its own rows, columns and scratch,
    /// so results do not depend on the thread count. One instance per calling thread.
    /// </summary>
    private sealed class SequenceParallel
    {
        [ThreadStatic] private static SequenceParallel? current;

        private readonly ClaimingParallelFor loop = new();
        private readonly Action<int> forwardItem, forwardHeadItem, backwardItem;
        private Tensor qkv = null!, probs = null!, scratch = null!, output = null!;
        private Tensor? keyMask, drop, dqkv;
        private int time, heads;
        private bool causal;

        private SequenceParallel()
        {
            forwardItem = ForwardItem;
            forwardHeadItem = ForwardHeadItem;
            backwardItem = BackwardItem;
        }

        public static SequenceParallel ForThisThread() => current ??= new SequenceParallel();

        public void Forward(Tensor qkv, Tensor? keyMask, Tensor? drop, Tensor probs, Tensor scratch, Tensor y, int batch, int time, int heads, bool causal)
        {
            Set(qkv, keyMask, drop, probs, scratch, y, null, time, heads);
            this.causal = causal;
            if (batch < Gemm.MaxThreads && drop is null)
                loop.Run(batch * heads, Gemm.MaxThreads, forwardHeadItem);
            else
                loop.Run(batch, Gemm.MaxThreads, forwardItem);
            Clear();
        }

        public void Backward(Tensor qkv, Tensor probs, Tensor? drop, Tensor dy, Tensor dqkv, Tensor scratch, int batch, int time, int heads)
        {
            Set(qkv, null, drop, probs, scratch, dy, dqkv, time, heads);
            loop.Run(batch, Gemm.MaxThreads, backwardItem);
            Clear();
        }

        private void Set(Tensor qkv, Tensor? keyMask, Tensor? drop, Tensor probs, Tensor scratch, Tensor output, Tensor? dqkv, int time, int heads)
        {
            (this.qkv, this.keyMask, this.drop, this.probs, this.scratch, this.output, this.dqkv) = (qkv, keyMask, drop, probs, scratch, output, dqkv);
            (this.time, this.heads) = (time, heads);
        }

        private void Clear()
        {
            (qkv, probs, scratch, output) = (null!, null!, null!, null!);
            (keyMask, drop, dqkv) = (null, null, null);
        }

        private void ForwardItem(int b)
        {
            int tt = time * time;
            ForwardSequence(b, 0, heads, qkv.Span, keyMask is null ? default : keyMask.Span, drop is null ? default : drop.Span,
                probs.Span, scratch.Span.Slice(b * tt, tt), output.Span, time, heads, qkv.Shape.Last / 3, causal);
        }

        // item b·H + h: head h of sequence b, without dropout
        private void ForwardHeadItem(int item)
        {
            int b = item / heads, h = item % heads, tt = time * time;
            ForwardSequence(b, h, h + 1, qkv.Span, keyMask is null ? default : keyMask.Span, default,
                probs.Span, scratch.Span.Slice(b * tt, tt), output.Span, time, heads, qkv.Shape.Last / 3, causal);
        }

        private void BackwardItem(int b)
        {
            int tt = time * time;
            BackwardSequence(b, qkv.Span, probs.Span, drop is null ? default : drop.Span, output.Span,
                dqkv!.Span, scratch.Span.Slice(2 * b * tt, 2 * tt), time, heads, qkv.Shape.Last / 3);
        }
    }
}
