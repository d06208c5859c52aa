using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

public class TensorTests
{
    [Fact]
    public unsafe void Arena_reuses_memory_and_headers_after_reset_and_aligns_to_64_bytes()
    {
        var arena = new TensorArena(chunkFloats: 64);
        var a = arena.Allocate(new Shape(3, 5));
        var b = arena.Allocate(new Shape(100)); // larger than a chunk: a chunk of its own
        Assert.Equal(0, (long)a.Pointer % 64);
        Assert.Equal(0, (long)b.Pointer % 64);
        long capacity = arena.CapacityFloats;
        arena.Reset();
        var a2 = arena.Allocate(new Shape(3, 5));
        var b2 = arena.Allocate(new Shape(100));
        Assert.Same(a, a2);
        Assert.True(a2.Pointer == a.Pointer && b2.Pointer == b.Pointer);
        Assert.Equal(capacity, arena.CapacityFloats);
    }

    [Fact]
    public void An_input_gradient_is_recomputed_on_each_step_not_accumulated_into_reused_memory()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], new Shape(1, 3));
        x.RequiresGrad = true;
        var w = Tensor.FromArray([1f, 1f, 1f, 2f, 2f, 2f], new Shape(2, 3));
        var g = new Graph(recordTape: true);
        for (int step = 0; step < 3; step++)
        {
            g.Reset();
            Assert.Null(x.Grad);
            var loss = g.CrossEntropy(g.Linear(x, w, null), new[] { 0 });
            g.Backward(loss);
            // d loss / d x = (p - onehot) · W with p = softmax([6, 12])
            float p0 = 1f / (1f + MathF.Exp(6f));
            Assert.Equal((p0 - 1f) * 1f + (1f - p0) * 2f, x.Grad!.Span[0], 5);
        }
    }

    [Fact]
    public void Shape_reports_rows_and_rejects_bad_axes()
    {
        var s = new Shape(2, 3, 4);
        Assert.Equal(24, s.Length);
        Assert.Equal(6, s.Rows);
        Assert.Equal(new Shape(2, 3, 7), s.WithLast(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => s[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(-1));
    }

    [Fact]
    public void Rng_is_reproducible_and_roughly_standard_normal()
    {
        var a = new Rng(5);
        var b = new Rng(5);
        for (int i = 0; i < 10; i++)
            Assert.Equal(a.NextUInt(), b.NextUInt());
        int[] first = [0, 1, 2, 3, 4, 5, 6, 7], second = [0, 1, 2, 3, 4, 5, 6, 7];
        new Rng(8).Shuffle<int>(first);
        new Rng(8).Shuffle<int>(second);
        Assert.Equal(first, second);
        Assert.NotEqual([0, 1, 2, 3, 4, 5, 6, 7], first);
        Assert.Equal(28, first.Sum());
        var xs = new float[20000];
        new Rng(6).FillNormal(xs, 0f, 1f);
        double mean = xs.Average(x => (double)x), variance = xs.Average(x => (x - mean) * (x - mean));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(variance, 0.95, 1.05);
    }

    [Fact]
    public void Csr_matrix_rejects_out_of_range_columns()
    {
        var e = Assert.Throws<ArgumentException>(() => new CsrMatrix(1, 4, [0, 2], [1, 4], [1f, 1f]));
        Assert.Contains("Column id 4", e.Message);
    }
}
