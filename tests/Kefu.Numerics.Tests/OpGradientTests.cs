using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

public class OpGradientTests
{
    private readonly Rng rng = new(1234);

    [Fact]
    public void Linear_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(5, 7));
        var w = GradientCheck.Random(rng, new Shape(3, 7));
        var b = GradientCheck.Random(rng, new Shape(3));
        GradientCheck.Check(g => g.Linear(x, w, b), [x, w, b]);
    }

    [Fact]
    public void Embedding_gradient_scatters_into_repeated_rows()
    {
        var table = GradientCheck.Random(rng, new Shape(6, 4));
        int[] ids = [1, 5, 1, 0, 3];
        GradientCheck.Check(g => g.Embedding(table, ids), [table]);
    }

    [Fact]
    public void Sparse_embedding_gradients_match_finite_differences()
    {
        var w = GradientCheck.Random(rng, new Shape(9, 5));
        // rows: {2: 1.0, 7: 0.5}, {}, {2: 1.0, 3: 2.0, 8: -1.0}
        var x = new CsrMatrix(3, 9, [0, 2, 2, 5], [2, 7, 2, 3, 8], [1f, 0.5f, 1f, 2f, -1f]);
        GradientCheck.Check(g => g.SparseEmbedding(x, w), [w]);
    }

    [Fact]
    public void LayerNorm_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(4, 19), 2f);
        var gamma = GradientCheck.Random(rng, new Shape(19));
        var beta = GradientCheck.Random(rng, new Shape(19));
        GradientCheck.Check(g => g.LayerNorm(x, gamma, beta), [x, gamma, beta]);
    }

    [Theory]
    [InlineData(GeluKind.Exact)]
    [InlineData(GeluKind.Tanh)]
    public void Gelu_gradients_match_finite_differences(GeluKind kind)
    {
        var x = GradientCheck.Random(rng, new Shape(3, 13), 3f);
        GradientCheck.Check(g => g.Gelu(x, kind), [x]);
    }

    [Fact]
    public void Softmax_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(4, 9), 2f);
        GradientCheck.Check(g => g.Softmax(x), [x]);
    }

    [Fact]
    public void Masked_self_attention_gradients_match_finite_differences()
    {
        var qkv = GradientCheck.Random(rng, new Shape(2 * 5, 3 * 8));
        var mask = Tensor.FromArray([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], new Shape(2, 5));
        GradientCheck.Check(g => g.SelfAttention(qkv, mask, 2, 5, 2), [qkv], samplesPerInput: 80);
    }

    [Fact]
    public void Causal_self_attention_gradients_match_finite_differences()
    {
        var qkv = GradientCheck.Random(rng, new Shape(2 * 5, 3 * 4));
        var mask = Tensor.FromArray([1, 1, 1, 1, 0, 1, 1, 1, 1, 1], new Shape(2, 5));
        GradientCheck.Check(g => g.SelfAttention(qkv, mask, 2, 5, 2, causal: true), [qkv], samplesPerInput: 60);
    }

    [Fact]
    public void Self_attention_with_dropout_gradients_match_finite_differences()
    {
        var qkv = GradientCheck.Random(rng, new Shape(2 * 4, 3 * 6));
        GradientCheck.Check(g => g.SelfAttention(qkv, null, 2, 4, 3, dropout: 0.3f), [qkv], samplesPerInput: 80);
    }

    [Fact]
    public void Dropout_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(6, 10));
        GradientCheck.Check(g => g.Dropout(x, 0.4f), [x]);
    }

    [Fact]
    public void Add_gradients_reach_both_inputs_and_a_reused_one_twice()
    {
        var a = GradientCheck.Random(rng, new Shape(3, 4));
        var b = GradientCheck.Random(rng, new Shape(3, 4));
        GradientCheck.Check(g => g.Add(g.Add(a, b), a), [a, b]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Cross_entropy_gradients_match_finite_differences(float smoothing)
    {
        var logits = GradientCheck.Random(rng, new Shape(5, 6), 3f);
        int[] targets = [2, CrossEntropyOp.IgnoreTarget, 0, 5, 2];
        GradientCheck.Check(g => g.CrossEntropy(logits, targets, smoothing), [logits]);
    }

    [Fact]
    public void Tanh_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(4, 7), 2f);
        GradientCheck.Check(g => g.Tanh(x), [x]);
    }

    [Fact]
    public void Relu_gradients_match_finite_differences_away_from_the_kink()
    {
        var x = GradientCheck.Random(rng, new Shape(4, 7), 2f);
        var span = x.Span;
        for (int i = 0; i < span.Length; i++)
            span[i] = MathF.Abs(span[i]) < 0.05f ? 0.5f : span[i];
        GradientCheck.Check(g => g.Relu(x), [x]);
    }

    [Fact]
    public void Mean_pool_gradients_skip_padding()
    {
        var x = GradientCheck.Random(rng, new Shape(2 * 4, 3));
        var mask = Tensor.FromArray([1, 1, 0, 0, 1, 1, 1, 1], new Shape(2, 4));
        GradientCheck.Check(g => g.MeanPool(x, mask, 2, 4), [x]);
        Assert.Equal(0f, x.Grad!.Row(2)[0]);
    }

    [Fact]
    public void Concat_and_take_token_gradients_match_finite_differences()
    {
        var a = GradientCheck.Random(rng, new Shape(2 * 3, 4));
        var b = GradientCheck.Random(rng, new Shape(2 * 3, 2));
        GradientCheck.Check(g => g.TakeToken(g.Concat(a, b), 2, 3, 1), [a, b]);
    }

    [Fact]
    public void Crf_loss_gradients_match_finite_differences()
    {
        var emissions = GradientCheck.Random(rng, new Shape(8, 3), 2f);   // two sequences of 4 rows, L = 3
        var transitions = GradientCheck.Random(rng, new Shape(3, 3));
        var start = GradientCheck.Random(rng, new Shape(3));
        var end = GradientCheck.Random(rng, new Shape(3));
        int[] rows = [0, 2, 3, 5, 6], tags = [1, 2, 0, 2, 1], lengths = [3, 0, 2];
        GradientCheck.Check(g => g.CrfLoss(emissions, transitions, start, end, rows, tags, lengths), [emissions, transitions, start, end]);
    }

    [Fact]
    public void Crf_loss_of_one_sequence_is_the_negative_log_likelihood()
    {
        var emissions = GradientCheck.Random(rng, new Shape(4, 3), 2f);
        var transitions = GradientCheck.Random(rng, new Shape(3, 3));
        var start = GradientCheck.Random(rng, new Shape(3));
        var end = GradientCheck.Random(rng, new Shape(3));
        int[] tags = [0, 2, 2, 1];
        var g = new Graph(recordTape: false);
        float loss = g.CrfLoss(emissions, transitions, start, end, new[] { 0, 1, 2, 3 }, tags, new[] { 4 }).Span[0];
        double expected = LinearChainCrfReference.LogPartition(emissions.Span, transitions.Span, start.Span, end.Span, 4, 3)
            - LinearChainCrfReference.Score(emissions.Span, transitions.Span, start.Span, end.Span, tags, 3);
        Assert.Equal(expected, loss, 4);
    }

    [Fact]
    public void Scale_gradients_match_finite_differences()
    {
        var x = GradientCheck.Random(rng, new Shape(3, 5));
        GradientCheck.Check(g => g.Scale(x, -0.7f), [x]);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(3f)]
    public void Soft_cross_entropy_gradients_match_finite_differences(float temperature)
    {
        var logits = GradientCheck.Random(rng, new Shape(4, 5), 3f);
        var targets = new float[20];
        new Rng(3).FillUniform(targets, 0.1f, 1f);
        for (int r = 0; r < 4; r++)
        {
            float sum = targets.AsSpan(r * 5, 5).ToArray().Sum();
            for (int j = 0; j < 5; j++) targets[r * 5 + j] /= sum;
        }
        GradientCheck.Check(g => g.SoftCrossEntropy(logits, targets, temperature), [logits]);
    }
}
