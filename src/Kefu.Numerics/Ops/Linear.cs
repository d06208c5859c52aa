using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Fully connected layer, PyTorch weight layout: y = x · Wᵀ + b.
/// Legend: N rows (tokens or sequences), I input features, O output features.
/// </summary>
public static class LinearOp
{
    // x [N, I], w [O, I], b [O] or empty -> y [N, O]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures)
    {
        float beta = 0f;
        if (!b.IsEmpty)
        {
            for (int r = 0; r < n; r++)
                b.CopyTo(y.Slice(r * outFeatures, outFeatures));
            beta = 1f;
        }
        Gemm.Sgemm(false, true, n, outFeatures, inFeatures, 1f, x, inFeatures, w, inFeatures, beta, y, outFeatures);
    }

    // x [N, I], packed Wᵀ [I, O], b [O] or empty -> y [N, O]; the same bits as Forward with w unpacked
    public static void Forward(ReadOnlySpan<float> x, PackedMatrix w, ReadOnlySpan<float> b, Span<float> y, int n)
    {
        int inFeatures = w.K, outFeatures = w.N;
        float beta = 0f;
        if (!b.IsEmpty)
        {
            for (int r = 0; r < n; r++)
                b.CopyTo(y.Slice(r * outFeatures, outFeatures));
            beta = 1f;
        }
        Gemm.Sgemm(false, n, outFeatures, inFeatures, 1f, x, inFeatures, w, beta, y, outFeatures);
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int inFeatures, int outFeatures)
    {
        for (int r = 0; r < n; r++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = b.IsEmpty ? 0f : b[o];
                for (int i = 0; i < inFeatures; i++)
                    sum += x[r * inFeatures + i] * w[o * inFeatures + i];
                y[r * outFeatures + o] = sum;
            }
        }
    }

    // Accumulates: dx [N, I] += dy · W (NN); dw [O, I] += dyᵀ · x (TN); db [O] += Σ_rows dy. Empty spans are skipped.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dw, Span<float> db, int n, int inFeatures, int outFeatures)
    {
        if (!dx.IsEmpty)
            Gemm.Sgemm(false, false, n, inFeatures, outFeatures, 1f, dy, outFeatures, w, inFeatures, 1f, dx, inFeatures);
        if (!dw.IsEmpty)
            Gemm.Sgemm(true, false, outFeatures, inFeatures, n, 1f, dy, outFeatures, x, inFeatures, 1f, dw, inFeatures);
        if (!db.IsEmpty)
        {
            for (int r = 0; r < n; r++)
                TensorPrimitives.Add(db, dy.Slice(r * outFeatures, outFeatures), db);
        }
    }

    /// <summary>y [.., O] = x [.., I] · w[O, I]ᵀ + b[O]; leading dimensions are kept.</summary>
    public static Tensor Linear(this Graph g, Tensor x, Tensor w, Tensor? b)
    {
        if (w.Shape.Rank != 2 || x.Shape.Last != w.Shape[1])
            throw new ArgumentException($"Linear: input {x.Shape} does not match weight {w.Shape} (expected [O, {x.Shape.Last}]).");
        int outFeatures = w.Shape[0];
        if (b is not null && b.Length != outFeatures)
            throw new ArgumentException($"Linear: bias {b.Shape} does not match {outFeatures} outputs.");
        var y = g.NewOutput(x.Shape.WithLast(outFeatures), x, w, b);
        Forward(x.Span, w.Span, b is null ? default : b.Span, y.Span, x.Shape.Rows, x.Shape.Last, outFeatures);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, B = w, C = b });
        return y;
    }

    /// <summary>Inference with a weight packed by <see cref="Gemm.Pack"/> (Wᵀ [I, O]): nothing is recorded, so the input gets no gradient.</summary>
    public static Tensor Linear(this Graph g, Tensor x, PackedMatrix w, Tensor? b)
    {
        if (x.Shape.Last != w.K)
            throw new ArgumentException($"Linear: input {x.Shape} does not match the packed weight [{w.N}, {w.K}] (expected [.., {w.K}]).");
        if (b is not null && b.Length != w.N)
            throw new ArgumentException($"Linear: bias {b.Shape} does not match {w.N} outputs.");
        if (g.RecordsTape && x.RequiresGrad)
            throw new InvalidOperationException("Linear with a packed weight records nothing for backward; use the unpacked weight while training.");
        var y = g.NewTensor(x.Shape.WithLast(w.N));
        Forward(x.Span, w, b is null ? default : b.Span, y.Span, x.Shape.Rows);
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor x = e.A!, w = e.B!, dy = e.Output.Grad!;
            Span<float> dx = Graph.Wants(x) ? g.GradOf(x).Span : default;
            Span<float> dw = Graph.Wants(w) ? g.GradOf(w).Span : default;
            Span<float> db = Graph.Wants(e.C) ? g.GradOf(e.C!).Span : default;
            LinearOp.Backward(x.Span, w.Span, dy.Span, dx, dw, db, x.Shape.Rows, x.Shape.Last, w.Shape[0]);
        }
    }
}
