using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

/// <summary>AddColumns (LoRA updates on some rows of a fused projection): vectorised against the scalar reference, and its gradients.</summary>
public class AddColumnsOpTests
{
    [Fact]
    public void Forward_equals_the_reference_and_backward_routes_the_slice()
    {
        const int n = 3, c = 7, k = 3, offset = 2;
        var rng = new Random(4);
        float[] x = [.. Enumerable.Range(0, n * c).Select(_ => (float)rng.NextDouble())];
        float[] d = [.. Enumerable.Range(0, n * k).Select(_ => (float)rng.NextDouble())];
        var y = new float[n * c];
        var expected = new float[n * c];
        AddColumnsOp.Forward(x, d, y, n, c, k, offset);
        AddColumnsOp.ForwardReference(x, d, expected, n, c, k, offset);
        Assert.Equal(expected, y);

        float[] dy = [.. Enumerable.Range(0, n * c).Select(i => (float)i)];
        var dx = new float[n * c];
        var dd = new float[n * k];
        AddColumnsOp.Backward(dy, dx, dd, n, c, k, offset);
        Assert.Equal(dy, dx);
        for (int r = 0; r < n; r++)
            for (int j = 0; j < k; j++)
                Assert.Equal(dy[r * c + offset + j], dd[r * k + j]);
    }

    [Fact]
    public void A_slice_that_does_not_fit_is_refused()
    {
        var g = new Graph(recordTape: false);
        var x = g.NewTensor(new Shape(2, 4));
        var d = g.NewTensor(new Shape(2, 3));
        Assert.Throws<ArgumentException>(() => g.AddColumns(x, d, 2));
    }
}
