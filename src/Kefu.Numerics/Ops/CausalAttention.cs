using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Causal self-attention of decoders with grouped-query attention (Ainslie et al., 2023; transformers' Qwen2Attention
/// with repeat_kv): H query heads share G key/value heads, query head h reading key/value head h / (H / G); G = H is
/// ordinary multi-head attention. Per sequence b and head h: P = softmax(Q Kᵀ / √D + causal and key mask), O = P V.
/// The projections arrive side by side in one row: qkv [B*T, W], W = (H + 2G)·D, queries in columns 0..H·D−1, keys
/// from H·D, values from (H + G)·D. <see cref="ForwardCached"/> is the incremental form over a <see cref="KvCache"/>.
/// Legend: B sequences, T tokens, H query heads, G key/value heads, D head size, L cached length.
/// </summary>
public static class CausalAttentionOp
{
    private const float Masked = -1e30f;

    // one sequence b and query head h: probs [T, T] and y [B*T, H*D] rows of b, head h
    private static void ForwardHead(int b, int h, ReadOnlySpan<float> qkv, ReadOnlySpan<float> keyMask, Span<float> probs, Span<float> y,
        int time, int heads, int kvHeads, int headDim)
    {
        int d = headDim, ld = (heads + 2 * kvHeads) * d, kv = h / (heads / kvHeads), yw = heads * d;
        float scale = 1f / MathF.Sqrt(d);
        var seq = qkv.Slice(b * time * ld);
        var p = probs.Slice((b * heads + h) * time * time, time * time);
        // S [T, T] = scale · Q Kᵀ
        Gemm.Sgemm(false, true, time, time, d, scale, seq.Slice(h * d), ld, seq.Slice((heads + kv) * d), ld, 0f, p, time);
        for (int i = 0; i < time; i++)
        {
            var row = p.Slice(i * time, time);
            if (!keyMask.IsEmpty)
            {
                for (int j = 0; j <= i; j++)
                {
                    if (keyMask[b * time + j] == 0f)
                        row[j] = Masked;
                }
            }
            row.Slice(i + 1).Fill(Masked); // token i sees tokens 0..i only
            TensorPrimitives.SoftMax(row, row);
        }
        // O [T, D] = P [T, T] · V [T, D]
        Gemm.Sgemm(false, false, time, d, time, 1f, p, time, seq.Slice((heads + kvHeads + kv) * d), ld, 0f, y.Slice(b * time * yw + h * d), yw);
    }

    public static void ForwardReference(ReadOnlySpan<float> qkv, ReadOnlySpan<float> keyMask, Span<float> y, int batch, int time, int heads, int kvHeads, int headDim)
    {
        int d = headDim, ld = (heads + 2 * kvHeads) * d, yw = heads * d;
        double scale = 1.0 / Math.Sqrt(d);
        var scores = new double[time];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                int kv = h / (heads / kvHeads);
                for (int i = 0; i < time; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < time; j++)
                    {
                        double s = 0;
                        for (int e = 0; e < d; e++)
                            s += qkv[(b * time + i) * ld + h * d + e] * qkv[(b * time + j) * ld + (heads + kv) * d + e];
                        bool masked = j > i || (!keyMask.IsEmpty && keyMask[b * time + j] == 0f);
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
                            o += scores[j] / sum * qkv[(b * time + j) * ld + (heads + kvHeads + kv) * d + e];
                        y[(b * time + i) * yw + h * d + e] = (float)o;
                    }
                }
            }
        }
    }

    // one sequence b, every head: dqkv [B*T, W] += gradients given dy [B*T, H*D]; scratch [T, T]
    private static void BackwardSequence(int b, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dy,
        Span<float> dqkv, Span<float> scratch, int time, int heads, int kvHeads, int headDim)
    {
        int d = headDim, ld = (heads + 2 * kvHeads) * d, tt = time * time, yw = heads * d;
        float scale = 1f / MathF.Sqrt(d);
        var dp = scratch.Slice(0, tt);
        var seq = qkv.Slice(b * time * ld);
        var dseq = dqkv.Slice(b * time * ld);
        var dout = dy.Slice(b * time * yw);
        for (int h = 0; h < heads; h++)
        {
            int kv = h / (heads / kvHeads);
            var p = probs.Slice((b * heads + h) * tt, tt);
            var dO = dout.Slice(h * d);
            // dP [T, T] = dO · Vᵀ; dV [T, D] += Pᵀ · dO (heads of a group add into the same dV)
            Gemm.Sgemm(false, true, time, time, d, 1f, dO, yw, seq.Slice((heads + kvHeads + kv) * d), ld, 0f, dp, time);
            Gemm.Sgemm(true, false, time, d, time, 1f, p, time, dO, yw, 1f, dseq.Slice((heads + kvHeads + kv) * d), ld);
            // dS = P ⊙ (dP − rowsum(dP ⊙ P))
            for (int i = 0; i < time; i++)
            {
                var pr = p.Slice(i * time, time);
                var dr = dp.Slice(i * time, time);
                float dot = TensorPrimitives.Dot(pr, dr);
                TensorPrimitives.Subtract(dr, dot, dr);
                TensorPrimitives.Multiply(dr, pr, dr);
            }
            // dQ += scale · dS K; dK += scale · dSᵀ Q
            Gemm.Sgemm(false, false, time, d, time, scale, dp, time, seq.Slice((heads + kv) * d), ld, 1f, dseq.Slice(h * d), ld);
            Gemm.Sgemm(true, false, time, d, time, scale, dp, time, seq.Slice(h * d), ld, 1f, dseq.Slice((heads + kv) * d), ld);
        }
    }

    /// <param name="qkv">[B*T, (H + 2G)·D]: queries, keys and values side by side.</param>
    /// <param name="keyMask">[B, T], 1 for tokens and 0 for padding; null when nothing is padded.</param>
    /// <returns>[B*T, H·D], heads concatenated.</returns>
    public static Tensor CausalAttention(this Graph g, Tensor qkv, Tensor? keyMask, int batch, int time, int heads, int kvHeads, int headDim)
    {
        Validate(qkv, batch * time, heads, kvHeads, headDim);
        if (keyMask is not null && keyMask.Length != batch * time)
            throw new ArgumentException($"CausalAttention: key mask {keyMask.Shape} is not [{batch}, {time}].");
        var y = g.NewOutput(new Shape(batch * time, heads * headDim), qkv);
        var probs = g.NewTensor(new Shape(batch, heads, time, time));
        var job = Job.ForThisThread();
        job.Set(qkv, keyMask, probs, y, null, null, time, heads, kvHeads, headDim);
        ParallelChunks.Run(job, batch * heads, 1);
        job.Clear();
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = qkv, Saved0 = probs, I0 = batch, I1 = time, I2 = heads, F0 = kvHeads });
        return y;
    }

    /// <summary>
    /// Inference over a cache: each sequence b brings T new rows of qkv, stored at positions Lengths[slot b] .. +T−1 of
    /// its slot (all T rows, padding included; the caller advances the slot by its real count after the last layer);
    /// row i attends to cached positions 0 .. Lengths[slot] + i. Nothing is recorded.
    /// </summary>
    /// <param name="qkv">[B*T, (H + 2G)·D]; rotary positions already applied to queries and keys.</param>
    /// <param name="slots">[B]: the cache slot of each sequence.</param>
    /// <returns>[B*T, H·D]</returns>
    public static Tensor CausalAttentionCached(this Graph g, Tensor qkv, KvCache cache, int layer, ReadOnlySpan<int> slots, int time, int heads)
    {
        int batch = slots.Length, kvHeads = cache.KvHeads, d = cache.HeadDim;
        Validate(qkv, batch * time, heads, kvHeads, d);
        int longest = 0;
        foreach (int slot in slots)
        {
            if (cache.Lengths[slot] + time > cache.Capacity)
                throw new ArgumentException($"CausalAttention: slot {slot} holds {cache.Lengths[slot]} positions; {time} more exceed its capacity {cache.Capacity}.");
            longest = Math.Max(longest, cache.Lengths[slot] + time);
        }
        int ld = (heads + 2 * kvHeads) * d;
        var qs = qkv.Span;
        for (int b = 0; b < batch; b++)
        {
            int start = cache.Lengths[slots[b]];
            for (int kv = 0; kv < kvHeads; kv++)
            {
                var keys = cache.Keys(layer, slots[b], kv);
                var values = cache.Values(layer, slots[b], kv);
                for (int i = 0; i < time; i++)
                {
                    var row = qs.Slice((b * time + i) * ld, ld);
                    row.Slice((heads + kv) * d, d).CopyTo(keys.Slice((start + i) * d, d));
                    row.Slice((heads + kvHeads + kv) * d, d).CopyTo(values.Slice((start + i) * d, d));
                }
            }
        }
        var y = g.NewTensor(new Shape(batch * time, heads * d));
        var scores = g.NewTensor(new Shape(batch * heads, time, longest));
        var job = Job.ForThisThread();
        job.Set(qkv, null, scores, y, cache, slots.ToArray(), time, heads, kvHeads, d, layer, longest);
        long work = (long)batch * heads * time * longest * d;
        if (work < 1 << 16)
            ((IChunkJob)job).Run(0, batch * heads);
        else
            ParallelChunks.Run(job, batch * heads, 1);
        job.Clear();
        return y;
    }

    // sequence b, query head h over its slot's cache: scores [T, L'] with L' = start + T
    private static void CachedHead(int b, int h, ReadOnlySpan<float> qkv, KvCache cache, int layer, int slot, Span<float> scores, Span<float> y, int time, int heads)
    {
        int d = cache.HeadDim, kvHeads = cache.KvHeads, ld = (heads + 2 * kvHeads) * d, kv = h / (heads / kvHeads), yw = heads * d;
        int start = cache.Lengths[slot], length = start + time;
        float scale = 1f / MathF.Sqrt(d);
        var keys = cache.Keys(layer, slot, kv).Slice(0, length * d);
        var values = cache.Values(layer, slot, kv).Slice(0, length * d);
        var q = qkv.Slice(b * time * ld + h * d);
        var s = scores.Slice(0, time * length);
        if (time == 1)
        {
            // one new token: L dot products and one weighted sum, cheaper than two GEMMs of one row
            var q0 = q.Slice(0, d);
            for (int j = 0; j < length; j++)
                s[j] = scale * TensorPrimitives.Dot(q0, keys.Slice(j * d, d));
            TensorPrimitives.SoftMax(s, s);
            var o = y.Slice(b * yw + h * d, d);
            o.Clear();
            for (int j = 0; j < length; j++)
                TensorPrimitives.MultiplyAdd(values.Slice(j * d, d), s[j], o, o);
            return;
        }
        // S [T, L'] = scale · Q Kᵀ
        Gemm.Sgemm(false, true, time, length, d, scale, q, ld, keys, d, 0f, s, length);
        for (int i = 0; i < time; i++)
        {
            var row = s.Slice(i * length, length);
            row.Slice(start + i + 1).Fill(Masked);
            TensorPrimitives.SoftMax(row, row);
        }
        // O [T, D] = P [T, L'] · V [L', D]
        Gemm.Sgemm(false, false, time, d, length, 1f, s, length, values, d, 0f, y.Slice(b * time * yw + h * d), yw);
    }

    private static void Validate(Tensor qkv, int rows, int heads, int kvHeads, int headDim)
    {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0)
            throw new ArgumentException($"CausalAttention: {heads} query heads must be a positive multiple of {kvHeads} key/value heads, head size {headDim} > 0.");
        if (qkv.Shape.Rows != rows || qkv.Shape.Last != (heads + 2 * kvHeads) * headDim)
            throw new ArgumentException($"CausalAttention: qkv {qkv.Shape} is not [{rows}, ({heads} + 2·{kvHeads})·{headDim}].");
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            int batch = e.I0, time = e.I1, heads = e.I2, kvHeads = (int)e.F0, headDim = e.A!.Shape.Last / (heads + 2 * kvHeads);
            var scratch = g.NewTensor(new Shape(batch, time, time));
            var job = Job.ForThisThread();
            job.Set(e.A!, null, e.Saved0!, e.Output.Grad!, null, null, time, heads, kvHeads, headDim);
            job.SetBackward(g.GradOf(e.A!), scratch);
            // key/value gradients are shared by the heads of a group: one item per sequence
            ParallelChunks.Run(job, batch, 1);
            job.Clear();
        }
    }

    // items are (sequence, head) pairs forward and sequences backward; each writes only its own rows, columns and scratch
    private sealed class Job : IChunkJob
    {
        [ThreadStatic] private static Job? current;
        private Tensor? qkv, keyMask, probs, output, dqkv, scratch;
        private KvCache? cache;
        private int[]? slots;
        private int time, heads, kvHeads, headDim, layer, longest;

        public static Job ForThisThread() => current ??= new Job();

        public void Set(Tensor qkv, Tensor? keyMask, Tensor probs, Tensor output, KvCache? cache, int[]? slots,
            int time, int heads, int kvHeads, int headDim, int layer = 0, int longest = 0)
        {
            (this.qkv, this.keyMask, this.probs, this.output, this.cache, this.slots) = (qkv, keyMask, probs, output, cache, slots);
            (this.time, this.heads, this.kvHeads, this.headDim, this.layer, this.longest) = (time, heads, kvHeads, headDim, layer, longest);
        }

        public void SetBackward(Tensor dqkv, Tensor scratch) => (this.dqkv, this.scratch) = (dqkv, scratch);

        public void Clear() => (qkv, keyMask, probs, output, dqkv, scratch, cache, slots) = (null, null, null, null, null, null, null, null);

        void IChunkJob.Run(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                if (dqkv is not null)
                {
                    int tt = time * time;
                    BackwardSequence(item, qkv!.Span, probs!.Span, output!.Span, dqkv.Span, scratch!.Span.Slice(item * tt, tt), time, heads, kvHeads, headDim);
                }
                else if (cache is not null)
                {
                    int b = item / heads, h = item % heads, size = time * longest;
                    CachedHead(b, h, qkv!.Span, cache, layer, slots![b], probs!.Span.Slice(item * size, size), output!.Span, time, heads);
                }
                else
                {
                    ForwardHead(item / heads, item % heads, qkv!.Span, keyMask is null ? default : keyMask.Span, probs!.Span, output!.Span, time, heads, kvHeads, headDim);
                }
            }
        }
    }
}
