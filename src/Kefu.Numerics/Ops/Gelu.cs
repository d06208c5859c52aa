using System.Numerics;
using System.Runtime.Intrinsics;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Gaussian error linear unit (Hendrycks and Gimpel, 2016). Exact: y = x · Φ(x) = 0.5 x (1 + erf(x / √2)),
/// as in BERT and PyTorch's default; Tanh: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), as in GPT-2.
/// erf uses Abramowitz and Stegun 7.1.26 (absolute error ≤ 1.5e-7, below float32 resolution of y); the vector
/// kernels take e^x from <see cref="FastExp"/>, the scalar reference from MathF.Exp.
/// </summary>
public static class GeluOp
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;
    private const float TanhScale = 0.79788456080286536f; // √(2/π)
    private const float Cubic = 0.044715f;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, GeluKind kind)
    {
        int width = Vector<float>.Count, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Vector<T> stays 256-bit wide; this path doubles the lanes where AVX-512 is present
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.Create(x.Slice(i));
                var r = kind == GeluKind.Exact
                    ? Vector512.Create(0.5f) * v * (Vector512<float>.One + Erf(v * Vector512.Create(InvSqrt2)))
                    : Vector512.Create(0.5f) * v * (Vector512<float>.One + Tanh(Vector512.Create(TanhScale) * (v + Vector512.Create(Cubic) * v * v * v)));
                r.CopyTo(y.Slice(i));
            }
        }
        for (; i <= x.Length - width; i += width)
        {
            var v = new Vector<float>(x.Slice(i));
            var r = kind == GeluKind.Exact
                ? new Vector<float>(0.5f) * v * (Vector<float>.One + Erf(v * new Vector<float>(InvSqrt2)))
                : new Vector<float>(0.5f) * v * (Vector<float>.One + Tanh(new Vector<float>(TanhScale) * (v + new Vector<float>(Cubic) * v * v * v)));
            r.CopyTo(y.Slice(i));
        }
        ForwardReference(x.Slice(i), y.Slice(i), kind);
    }

    public static void ForwardReference(ReadOnlySpan<float> x, Span<float> y, GeluKind kind)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = kind == GeluKind.Exact
                ? 0.5f * v * (1f + Erf(v * InvSqrt2))
                : 0.5f * v * (1f + MathF.Tanh(TanhScale * (v + Cubic * v * v * v)));
        }
    }

    // dx [N] += dy · gelu'(x)
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, GeluKind kind)
    {
        int width = Vector<float>.Count, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var half512 = Vector512.Create(0.5f);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.Create(x.Slice(i));
                Vector512<float> slope;
                if (kind == GeluKind.Exact)
                {
                    var cdf = half512 * (Vector512<float>.One + Erf(v * Vector512.Create(InvSqrt2)));
                    var pdf = Vector512.Create(InvSqrt2Pi) * FastExp.Exp(-half512 * v * v);
                    slope = cdf + v * pdf;
                }
                else
                {
                    var t = Tanh(Vector512.Create(TanhScale) * (v + Vector512.Create(Cubic) * v * v * v));
                    slope = half512 * (Vector512<float>.One + t)
                        + half512 * v * (Vector512<float>.One - t * t) * Vector512.Create(TanhScale) * (Vector512<float>.One + Vector512.Create(3 * Cubic) * v * v);
                }
                (Vector512.Create(dx.Slice(i)) + Vector512.Create(dy.Slice(i)) * slope).CopyTo(dx.Slice(i));
            }
        }
        var half = new Vector<float>(0.5f);
        for (; i <= x.Length - width; i += width)
        {
            var v = new Vector<float>(x.Slice(i));
            Vector<float> slope;
            if (kind == GeluKind.Exact)
            {
                var cdf = half * (Vector<float>.One + Erf(v * new Vector<float>(InvSqrt2)));
                var pdf = new Vector<float>(InvSqrt2Pi) * FastExp.Exp(-half * v * v);
                slope = cdf + v * pdf;
            }
            else
            {
                var t = Tanh(new Vector<float>(TanhScale) * (v + new Vector<float>(Cubic) * v * v * v));
                slope = half * (Vector<float>.One + t)
                    + half * v * (Vector<float>.One - t * t) * new Vector<float>(TanhScale) * (Vector<float>.One + new Vector<float>(3 * Cubic) * v * v);
            }
            (new Vector<float>(dx.Slice(i)) + new Vector<float>(dy.Slice(i)) * slope).CopyTo(dx.Slice(i));
        }
        BackwardReference(x.Slice(i), dy.Slice(i), dx.Slice(i), kind);
    }

    public static void BackwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, GeluKind kind)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i], slope;
            if (kind == GeluKind.Exact)
            {
                slope = 0.5f * (1f + Erf(v * InvSqrt2)) + v * InvSqrt2Pi * MathF.Exp(-0.5f * v * v);
            }
            else
            {
                float t = MathF.Tanh(TanhScale * (v + Cubic * v * v * v));
                slope = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * TanhScale * (1f + 3 * Cubic * v * v);
            }
            dx[i] += dy[i] * slope;
        }
    }

    public static Tensor Gelu(this Graph g, Tensor x, GeluKind kind = GeluKind.Exact)
    {
        var y = g.NewOutput(x.Shape, x);
        ParallelJob.ForThisThread().Run(x, y, null, kind);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, I0 = (int)kind });
        return y;
    }

    internal static float Erf(float x)
    {
        float a = MathF.Abs(x);
        float t = 1f / (1f + 0.3275911f * a);
        float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
        float r = 1f - poly * MathF.Exp(-a * a);
        return x < 0 ? -r : r;
    }

    private static Vector<float> Erf(Vector<float> x)
    {
        var a = Vector.Abs(x);
        var t = Vector<float>.One / (Vector<float>.One + new Vector<float>(0.3275911f) * a);
        var poly = ((((new Vector<float>(1.061405429f) * t - new Vector<float>(1.453152027f)) * t + new Vector<float>(1.421413741f)) * t
            - new Vector<float>(0.284496736f)) * t + new Vector<float>(0.254829592f)) * t;
        var r = Vector<float>.One - poly * FastExp.Exp(-a * a);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -r, r);
    }

    private static Vector512<float> Erf(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(0.3275911f) * a);
        var poly = ((((Vector512.Create(1.061405429f) * t - Vector512.Create(1.453152027f)) * t + Vector512.Create(1.421413741f)) * t
            - Vector512.Create(0.284496736f)) * t + Vector512.Create(0.254829592f)) * t;
        var r = Vector512<float>.One - poly * FastExp.Exp(-a * a);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), -r, r);
    }

    private static Vector512<float> Tanh(Vector512<float> u) =>
        Vector512<float>.One - Vector512.Create(2f) / (FastExp.Exp(u + u) + Vector512<float>.One);

    // tanh(u) = 1 - 2 / (e^{2u} + 1); saturates correctly at ±∞.
    private static Vector<float> Tanh(Vector<float> u) =>
        Vector<float>.One - new Vector<float>(2f) / (FastExp.Exp(u + u) + Vector<float>.One);

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            if (Graph.Wants(e.A))
                ParallelJob.ForThisThread().Run(e.A!, e.Output.Grad!, g.GradOf(e.A!), (GeluKind)e.I0);
        }
    }

    // forward (dx null): y = gelu(x); backward: dx += dy · gelu'(x), on element ranges of 16K (one 32-token sequence
    // with FFN 1,024 is two chunks); element-wise, so the chunks never change a result
    private sealed class ParallelJob : IChunkJob
    {
        [ThreadStatic] private static ParallelJob? current;
        private Tensor? x, yOrDy, dx;
        private GeluKind kind;

        public static ParallelJob ForThisThread() => current ??= new ParallelJob();

        public void Run(Tensor x, Tensor yOrDy, Tensor? dx, GeluKind kind)
        {
            (this.x, this.yOrDy, this.dx, this.kind) = (x, yOrDy, dx, kind);
            ParallelChunks.Run(this, x.Length, 1 << 14);
            (this.x, this.yOrDy, this.dx) = (null, null, null);
        }

        void IChunkJob.Run(int start, int end)
        {
            var xs = x!.Span[start..end];
            if (dx is null)
                Forward(xs, yOrDy!.Span[start..end], kind);
            else
                Backward(xs, yOrDy!.Span[start..end], dx.Span[start..end], kind);
        }
    }
}

public enum GeluKind
{
    /// <summary>0.5 x (1 + erf(x / √2)): BERT, PyTorch's default.</summary>
    Exact,
    /// <summary>The tanh approximation: GPT-2, PyTorch's approximate="tanh".</summary>
    Tanh,
}
