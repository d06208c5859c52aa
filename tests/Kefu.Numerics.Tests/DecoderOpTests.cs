using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

/// <summary>The decoder ops (RMSNorm, rotary positions, SwiGLU, causal grouped-query attention and its KV cache)
/// against scalar references and finite differences.</summary>
public class DecoderOpTests
{
    private readonly Rng rng = new(2024);

    private float[] Random(int n, float scale = 1f)
    {
        var a = new float[n];
        rng.FillUniform(a, -scale, scale);
        return a;
    }

    private static void Near(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tol * (1 + MathF.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void RmsNorm_matches_reference_forward_and_backward()
    {
        float[] x = Random(3 * 37, 3f), gamma = Random(37), dy = Random(3 * 37), y = new float[111], r = new float[111], rstd = new float[3];
        RmsNormOp.Forward(x, gamma, y, rstd, 3, 37, 1e-6f);
        RmsNormOp.ForwardReference(x, gamma, r, 3, 37, 1e-6f);
        Near(r, y, 1e-5f);
        float[] dx = new float[111], dg = new float[37], dxr = new float[111], dgr = new float[37];
        RmsNormOp.Backward(x, gamma, rstd, dy, dx, dg, 3, 37);
        RmsNormOp.BackwardReference(x, gamma, dy, dxr, dgr, 3, 37, 1e-6f);
        Near(dxr, dx, 1e-4f);
        Near(dgr, dg, 1e-4f);
    }

    [Fact]
    public void RmsNorm_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(4, 19), 2f);
        var gamma = GradientCheck.Random(rng, new Shape(19));
        GradientCheck.Check(g => g.RmsNorm(x, gamma), [x, gamma]);
    }

    [Fact]
    public void SwiGlu_matches_reference_and_finite_differences()
    {
        float[] gu = Random(3 * 2 * 13, 4f), y = new float[39], r = new float[39];
        SwiGluOp.Forward(gu, y, 3, 13);
        SwiGluOp.ForwardReference(gu, r, 3, 13);
        Near(r, y, 1e-5f);
        var x = GradientCheck.Random(rng, new Shape(3, 2 * 11), 3f);
        GradientCheck.Check(g => g.SwiGlu(x), [x]);
    }

    [Fact]
    public void Rotary_matches_reference_and_finite_differences()
    {
        // rows of 3 heads of 8 (2 rotated: queries and keys), then 8 value columns copied
        int[] positions = [0, 1, 5, 17, 127];
        float[] x = Random(5 * 32), y = new float[160], r = new float[160], cos = new float[5 * 4], sin = new float[5 * 4];
        RotaryOp.Angles(positions, 8, 10000f, cos, sin);
        RotaryOp.Forward(x, cos, sin, y, 5, 32, 8, 3);
        RotaryOp.ForwardReference(x, positions, 10000f, r, 5, 32, 8, 3);
        Near(r, y, 1e-5f);
        Assert.Equal(x.AsSpan(0, 32).ToArray(), y.AsSpan(0, 32).ToArray()); // position 0 does not turn
        Assert.Equal(x.AsSpan(2 * 32 + 24, 8).ToArray(), y.AsSpan(2 * 32 + 24, 8).ToArray());

        var input = GradientCheck.Random(rng, new Shape(5, 32));
        var c = Tensor.FromArray(cos, new Shape(5, 4));
        var s = Tensor.FromArray(sin, new Shape(5, 4));
        GradientCheck.Check(g => g.Rotary(input, c, s, 8, 3), [input], samplesPerInput: 80);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    [InlineData(6, 1)]
    public void Causal_attention_matches_reference(int heads, int kvHeads)
    {
        int batch = 2, time = 6, d = 4, width = (heads + 2 * kvHeads) * d;
        var qkv = Tensor.FromArray(Random(batch * time * width, 2f), new Shape(batch * time, width));
        var mask = Tensor.FromArray([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1], new Shape(batch, time));
        var g = new Graph(recordTape: false);
        var y = g.CausalAttention(qkv, mask, batch, time, heads, kvHeads, d);
        var r = new float[batch * time * heads * d];
        CausalAttentionOp.ForwardReference(qkv.Span, mask.Span, r, batch, time, heads, kvHeads, d);
        Near(r, y.Span, 1e-5f);
    }

    [Fact]
    public void Multi_head_causal_attention_equals_the_encoder_op_with_causal_masking()
    {
        int batch = 2, time = 5, heads = 2, d = 4, c = heads * d;
        var qkv = Tensor.FromArray(Random(batch * time * 3 * c, 2f), new Shape(batch * time, 3 * c));
        var g = new Graph(recordTape: false);
        var a = g.CausalAttention(qkv, null, batch, time, heads, heads, d).ToArray();
        var b = g.SelfAttention(qkv, null, batch, time, heads, causal: true).ToArray();
        Near(b, a, 1e-6f);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 2)]
    public void Causal_attention_gradients_match_finite_differences(int heads, int kvHeads)
    {
        int batch = 2, time = 4, d = 4;
        var qkv = GradientCheck.Random(rng, new Shape(batch * time, (heads + 2 * kvHeads) * d));
        var mask = Tensor.FromArray([1, 1, 1, 0, 1, 1, 1, 1], new Shape(batch, time));
        GradientCheck.Check(g => g.CausalAttention(qkv, mask, batch, time, heads, kvHeads, d), [qkv], samplesPerInput: 120);
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(3, 3)]
    public void Cached_attention_prefill_then_one_token_at_a_time_equals_the_full_sequence(int heads, int kvHeads)
    {
        // two sequences of 7 tokens: a prefill of 4 (slot 1) and 2 (slot 0), then one token per call up to 7
        int time = 7, d = 4, width = (heads + 2 * kvHeads) * d;
        var full = Random(2 * time * width, 2f);
        var expected = new float[2 * time * heads * d];
        CausalAttentionOp.ForwardReference(full, default, expected, 2, time, heads, kvHeads, d);
        var cache = new KvCache(layers: 2, slots: 2, kvHeads, d, capacity: 8);
        var g = new Graph(recordTape: false);
        int[] prefill = [4, 2], slots = [1, 0];

        for (int b = 0; b < 2; b++)
        {
            g.Reset();
            var rows = Tensor.FromArray(full.AsSpan(b * time * width, prefill[b] * width).ToArray(), new Shape(prefill[b], width));
            var y = g.CausalAttentionCached(rows, cache, layer: 1, [slots[b]], prefill[b], heads);
            Near(expected.AsSpan(b * time * heads * d, prefill[b] * heads * d), y.Span, 1e-5f);
            cache.Advance(slots[b], prefill[b]);
        }
        for (int step = 0; step < time - prefill[1]; step++)
        {
            // both sequences in one batch while both have tokens left
            var batch = Enumerable.Range(0, 2).Where(b => cache.Lengths[slots[b]] < time).ToArray();
            var rows = new float[batch.Length * width];
            for (int i = 0; i < batch.Length; i++)
                full.AsSpan((batch[i] * time + cache.Lengths[slots[batch[i]]]) * width, width).CopyTo(rows.AsSpan(i * width));
            g.Reset();
            var y = g.CausalAttentionCached(Tensor.FromArray(rows, new Shape(batch.Length, width)), cache, 1, batch.Select(b => slots[b]).ToArray(), 1, heads);
            for (int i = 0; i < batch.Length; i++)
            {
                int b = batch[i], t = cache.Lengths[slots[b]];
                Near(expected.AsSpan((b * time + t) * heads * d, heads * d), y.Span.Slice(i * heads * d, heads * d), 1e-5f);
            }
            foreach (int b in batch)
                cache.Advance(slots[b], 1);
        }
        Assert.Equal(time, cache.Lengths[0]);
        Assert.Equal(time, cache.Lengths[1]);
    }

    [Fact]
    public void Cached_attention_refuses_to_overflow_the_cache()
    {
        var cache = new KvCache(1, 1, 1, 2, capacity: 3);
        var g = new Graph(recordTape: false);
        var rows = new Tensor(new Shape(4, 3 * 2));
        Assert.Throws<ArgumentException>(() => g.CausalAttentionCached(rows, cache, 0, [0], 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Advance(0, 4));
    }
}
