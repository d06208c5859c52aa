using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

/// <summary>Each vectorized kernel against its scalar reference, on lengths that exercise the vector tails.</summary>
public class OpReferenceTests
{
    private readonly Rng rng = new(42);

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
    public void Linear_matches_reference()
    {
        float[] x = Random(5 * 11), w = Random(7 * 11), b = Random(7), y = new float[35], r = new float[35];
        LinearOp.Forward(x, w, b, y, 5, 11, 7);
        LinearOp.ForwardReference(x, w, b, r, 5, 11, 7);
        Near(r, y);
    }

    [Fact]
    public void LayerNorm_matches_reference()
    {
        float[] x = Random(3 * 37, 3f), gamma = Random(37), beta = Random(37), y = new float[111], r = new float[111];
        LayerNormOp.Forward(x, gamma, beta, y, new float[3], new float[3], 3, 37, 1e-5f);
        LayerNormOp.ForwardReference(x, gamma, beta, r, 3, 37, 1e-5f);
        Near(r, y, 1e-4f);
    }

    [Theory]
    [InlineData(GeluKind.Exact)]
    [InlineData(GeluKind.Tanh)]
    public void Gelu_matches_reference_forward_and_backward(GeluKind kind)
    {
        float[] x = Random(45, 5f), dy = Random(45), y = new float[45], r = new float[45], dx = new float[45], dr = new float[45];
        GeluOp.Forward(x, y, kind);
        GeluOp.ForwardReference(x, r, kind);
        Near(r, y, 2e-6f);
        GeluOp.Backward(x, dy, dx, kind);
        GeluOp.BackwardReference(x, dy, dr, kind);
        Near(dr, dx, 2e-6f);
    }

    [Fact]
    public void Exact_gelu_matches_pytorch_golden_values()
    {
        // torch.nn.functional.gelu(torch.tensor([-3., -1., -0.5, 0., 0.5, 1., 3.]))
        float[] x = [-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f], y = new float[7];
        GeluOp.Forward(x, y, GeluKind.Exact);
        Near([-0.0040496941f, -0.15865526f, -0.15426877f, 0f, 0.34573123f, 0.84134474f, 2.9959503f], y, 1e-6f);
    }

    [Fact]
    public void Softmax_tanh_relu_add_dropout_concat_match_references()
    {
        float[] x = Random(4 * 13, 3f), b = Random(4 * 13), y = new float[52], r = new float[52];
        SoftmaxOp.Forward(x, y, 4, 13);
        SoftmaxOp.ForwardReference(x, r, 4, 13);
        Near(r, y);
        TanhOp.Forward(x, y);
        TanhOp.ForwardReference(x, r);
        Near(r, y);
        ReluOp.Forward(x, y);
        ReluOp.ForwardReference(x, r);
        Near(r, y);
        AddOp.Forward(x, b, y);
        AddOp.ForwardReference(x, b, r);
        Near(r, y);
        DropoutOp.Forward(x, b, y);
        DropoutOp.ForwardReference(x, b, r);
        Near(r, y);
        float[] c = new float[4 * 26], cr = new float[4 * 26];
        ConcatOp.Forward(x, b, c, 4, 13, 13);
        ConcatOp.ForwardReference(x, b, cr, 4, 13, 13);
        Near(cr, c);
    }

    [Fact]
    public void Embeddings_and_mean_pool_match_references()
    {
        float[] table = Random(10 * 9), y = new float[4 * 9], r = new float[4 * 9];
        int[] ids = [3, 9, 0, 3];
        EmbeddingOp.Forward(ids, table, y, 9);
        EmbeddingOp.ForwardReference(ids, table, r, 9);
        Near(r, y);
        var csr = new CsrMatrix(2, 10, [0, 3, 4], [1, 4, 9, 4], [1f, 2f, 0.5f, -1f]);
        float[] s = new float[2 * 9], sr = new float[2 * 9];
        SparseEmbeddingOp.Forward(csr, table, s, 9);
        SparseEmbeddingOp.ForwardReference(csr, table, sr, 9);
        Near(sr, s);
        float[] mask = [1, 1, 0, 1, 1, 1, 1, 0], x = Random(8 * 9), p = new float[2 * 9], pr = new float[2 * 9];
        MeanPoolOp.Forward(x, mask, p, 2, 4, 9);
        MeanPoolOp.ForwardReference(x, mask, pr, 2, 4, 9);
        Near(pr, p);
    }

    [Fact]
    public void Self_attention_matches_float64_reference()
    {
        int batch = 2, time = 7, heads = 3, channels = 12;
        float[] qkv = Random(batch * time * 3 * channels, 2f), mask = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1];
        float[] y = new float[batch * time * channels], r = new float[y.Length];
        SelfAttentionOp.Forward(qkv, mask, default, new float[batch * heads * time * time], new float[batch * time * time], y, batch, time, heads, channels);
        SelfAttentionOp.ForwardReference(qkv, mask, r, batch, time, heads, channels);
        Near(r, y, 1e-5f);
        SelfAttentionOp.Forward(qkv, mask, default, new float[batch * heads * time * time], new float[batch * time * time], y, batch, time, heads, channels, causal: true);
        SelfAttentionOp.ForwardReference(qkv, mask, r, batch, time, heads, channels, causal: true);
        Near(r, y, 1e-5f);
        // the first token of a causal sequence sees only itself: its output is its own value vector
        for (int e = 0; e < channels; e++)
            Assert.Equal(qkv[2 * channels + e], y[e], 5);
    }

    [Fact]
    public void Cross_entropy_matches_float64_reference()
    {
        float[] logits = Random(6 * 5, 4f);
        int[] targets = [0, 4, CrossEntropyOp.IgnoreTarget, 2, 2, 1];
        float loss = CrossEntropyOp.Forward(logits, targets, new float[30], 6, 5, 0.1f);
        Assert.Equal(CrossEntropyOp.ForwardReference(logits, targets, 6, 5, 0.1f), loss, 5);
    }
}
