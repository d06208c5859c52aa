using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>Softmax over the last dimension. Legend: N rows, K entries per row.</summary>
public static class SoftmaxOp
{
    // x [N, K] -> y [N, K]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int n, int k)
    {
        for (int r = 0; r < n; r++)
            TensorPrimitives.SoftMax(x.Slice(r * k, k), y.Slice(r * k, k));
    }

    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y, int n, int k)
    {
        for (int r = 0; r < n; r++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
                max = MathF.Max(max, x[r * k + j]);
            float sum = 0f;
            for (int j = 0; j < k; j++)
                sum += y[r * k + j] = MathF.Exp(x[r * k + j] - max);
            for (int j = 0; j < k; j++)
                y[r * k + j] /= sum;
        }
    }

    // dx [N, K] += y ⊙ (dy - Σ_k dy ⊙ y)
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int n, int k)
    {
        for (int r = 0; r < n; r++)
        {
            var yr = y.Slice(r * k, k);
            var dyr = dy.Slice(r * k, k);
            var dxr = dx.Slice(r * k, k);
            float dot = TensorPrimitives.Dot(yr, dyr);
            for (int j = 0; j < k; j++)
                dxr[j] += yr[j] * (dyr[j] - dot);
        }
    }

    public static Tensor Softmax(this Graph g, Tensor x)
    {
        var y = g.NewOutput(x.Shape, x);
        Forward(x.Span, y.Span, x.Shape.Rows, x.Shape.Last);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            SoftmaxOp.Backward(e.Output.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.A!.Shape.Rows, e.A!.Shape.Last);
    }
}
