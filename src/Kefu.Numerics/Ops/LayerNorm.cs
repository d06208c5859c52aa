using System.Numerics;
using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Layer normalisation over the last dimension (Ba, Kiros and Hinton, 2016):
/// y = (x - mean) · rstd · gamma + beta, rstd = 1 / sqrt(var + eps), biased variance as in PyTorch.
/// Legend: N rows, C channels.
/// </summary>
public static class LayerNormOp
{
    // x [N, C], gamma [C], beta [C] -> y [N, C]; mean [N] and rstd [N] saved for backward (may be empty).
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int n, int channels, float eps)
    {
        for (int r = 0; r < n; r++)
        {
            var xr = x.Slice(r * channels, channels);
            var yr = y.Slice(r * channels, channels);
            float m = TensorPrimitives.Sum(xr) / channels;
            float variance = VarianceAround(xr, m);
            float s = 1f / MathF.Sqrt(variance + eps);
            Normalize(xr, gamma, beta, yr, m, s);
            if (!mean.IsEmpty)
            {
                mean[r] = m;
                rstd[r] = s;
            }
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, int n, int channels, float eps)
    {
        for (int r = 0; r < n; r++)
        {
            double m = 0, v = 0;
            for (int c = 0; c < channels; c++)
                m += x[r * channels + c];
            m /= channels;
            for (int c = 0; c < channels; c++)
                v += (x[r * channels + c] - m) * (x[r * channels + c] - m);
            double s = 1.0 / Math.Sqrt(v / channels + eps);
            for (int c = 0; c < channels; c++)
                y[r * channels + c] = (float)((x[r * channels + c] - m) * s * gamma[c] + beta[c]);
        }
    }

    // dx [N, C] += rstd · (dxhat - mean(dxhat) - xhat · mean(dxhat · xhat)), dxhat = dy · gamma;
    // dgamma [C] += Σ dy · xhat; dbeta [C] += Σ dy. Empty spans are skipped.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int n, int channels)
    {
        int width = Vector<float>.Count;
        for (int r = 0; r < n; r++)
        {
            var xr = x.Slice(r * channels, channels);
            var dyr = dy.Slice(r * channels, channels);
            float m = mean[r], s = rstd[r];
            // pass 1: Σ dxhat and Σ dxhat · xhat; dgamma, dbeta
            var sumD = Vector<float>.Zero;
            var sumDX = Vector<float>.Zero;
            var vm = new Vector<float>(m);
            var vs = new Vector<float>(s);
            int c = 0;
            for (; c <= channels - width; c += width)
            {
                var xhat = (new Vector<float>(xr.Slice(c)) - vm) * vs;
                var g = new Vector<float>(dyr.Slice(c));
                var d = g * new Vector<float>(gamma.Slice(c));
                sumD += d;
                sumDX += d * xhat;
                if (!dgamma.IsEmpty)
                    (new Vector<float>(dgamma.Slice(c)) + g * xhat).CopyTo(dgamma.Slice(c));
                if (!dbeta.IsEmpty)
                    (new Vector<float>(dbeta.Slice(c)) + g).CopyTo(dbeta.Slice(c));
            }
            float sd = Vector.Sum(sumD), sdx = Vector.Sum(sumDX);
            for (; c < channels; c++)
            {
                float xhat = (xr[c] - m) * s, d = dyr[c] * gamma[c];
                sd += d;
                sdx += d * xhat;
                if (!dgamma.IsEmpty)
                    dgamma[c] += dyr[c] * xhat;
                if (!dbeta.IsEmpty)
                    dbeta[c] += dyr[c];
            }
            if (dx.IsEmpty)
                continue;
            // pass 2: dx
            float meanD = sd / channels, meanDX = sdx / channels;
            var dxr = dx.Slice(r * channels, channels);
            var vMeanD = new Vector<float>(meanD);
            var vMeanDX = new Vector<float>(meanDX);
            c = 0;
            for (; c <= channels - width; c += width)
            {
                var xhat = (new Vector<float>(xr.Slice(c)) - vm) * vs;
                var d = new Vector<float>(dyr.Slice(c)) * new Vector<float>(gamma.Slice(c));
                (new Vector<float>(dxr.Slice(c)) + vs * (d - vMeanD - xhat * vMeanDX)).CopyTo(dxr.Slice(c));
            }
            for (; c < channels; c++)
            {
                float xhat = (xr[c] - m) * s, d = dyr[c] * gamma[c];
                dxr[c] += s * (d - meanD - xhat * meanDX);
            }
        }
    }

    /// <summary>Normalises each row of x [.., C] with gamma [C] and beta [C].</summary>
    public static Tensor LayerNorm(this Graph g, Tensor x, Tensor gamma, Tensor beta, float eps = 1e-5f)
    {
        int channels = x.Shape.Last;
        if (gamma.Length != channels || beta.Length != channels)
            throw new ArgumentException($"LayerNorm: gamma {gamma.Shape} and beta {beta.Shape} must both be [{channels}] for input {x.Shape}.");
        var y = g.NewOutput(x.Shape, x, gamma, beta);
        int n = x.Shape.Rows;
        bool records = g.Records(y);
        Tensor? mean = records ? g.NewTensor(new Shape(n)) : null, rstd = records ? g.NewTensor(new Shape(n)) : null;
        ParallelJob.ForThisThread().RunForward(x, gamma, beta, y, mean, rstd, eps);
        if (records)
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, B = gamma, C = beta, Saved0 = mean, Saved1 = rstd });
        return y;
    }

    // y = (x - m) · s · gamma + beta
    private static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y, float m, float s)
    {
        int width = Vector<float>.Count, c = 0;
        var vm = new Vector<float>(m);
        var vs = new Vector<float>(s);
        for (; c <= x.Length - width; c += width)
            ((new Vector<float>(x.Slice(c)) - vm) * vs * new Vector<float>(gamma.Slice(c)) + new Vector<float>(beta.Slice(c))).CopyTo(y.Slice(c));
        for (; c < x.Length; c++)
            y[c] = (x[c] - m) * s * gamma[c] + beta[c];
    }

    private static float VarianceAround(ReadOnlySpan<float> x, float m)
    {
        int width = Vector<float>.Count, c = 0;
        var vm = new Vector<float>(m);
        var acc = Vector<float>.Zero;
        for (; c <= x.Length - width; c += width)
        {
            var d = new Vector<float>(x.Slice(c)) - vm;
            acc += d * d;
        }
        float sum = Vector.Sum(acc);
        for (; c < x.Length; c++)
            sum += (x[c] - m) * (x[c] - m);
        return sum / x.Length;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor x = e.A!, gamma = e.B!, beta = e.C!, mean = e.Saved0!, rstd = e.Saved1!, dy = e.Output.Grad!;
            // dx on row ranges in parallel; the parameter gradients sum over rows, so they stay on this thread
            if (Graph.Wants(x))
                ParallelJob.ForThisThread().RunBackward(x, gamma, mean, rstd, dy, g.GradOf(x));
            if (Graph.Wants(gamma) || Graph.Wants(beta))
            {
                LayerNormOp.Backward(x.Span, gamma.Span, mean.Span, rstd.Span, dy.Span, default,
                    Graph.Wants(gamma) ? g.GradOf(gamma).Span : default,
                    Graph.Wants(beta) ? g.GradOf(beta).Span : default,
                    x.Shape.Rows, x.Shape.Last);
            }
        }
    }

    // forward, or backward into dx only, on ranges of 64 rows
    private sealed class ParallelJob : IChunkJob
    {
        [ThreadStatic] private static ParallelJob? current;
        private Tensor? x, gamma, beta, output, mean, rstd, dy;
        private float eps;
        private bool backward;

        public static ParallelJob ForThisThread() => current ??= new ParallelJob();

        public void RunForward(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor? mean, Tensor? rstd, float eps)
        {
            (this.x, this.gamma, this.beta, output, this.mean, this.rstd, this.eps, backward) = (x, gamma, beta, y, mean, rstd, eps, false);
            ParallelChunks.Run(this, x.Shape.Rows, 64);
            Clear();
        }

        public void RunBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx)
        {
            (this.x, this.gamma, this.mean, this.rstd, this.dy, output, backward) = (x, gamma, mean, rstd, dy, dx, true);
            ParallelChunks.Run(this, x.Shape.Rows, 64);
            Clear();
        }

        private void Clear() => (x, gamma, beta, output, mean, rstd, dy) = (null, null, null, null, null, null, null);

        void IChunkJob.Run(int start, int end)
        {
            int c = x!.Shape.Last, rows = end - start;
            var xs = x.Span.Slice(start * c, rows * c);
            var outs = output!.Span.Slice(start * c, rows * c);
            if (backward)
            {
                Backward(xs, gamma!.Span, mean!.Span.Slice(start, rows), rstd!.Span.Slice(start, rows), dy!.Span.Slice(start * c, rows * c),
                    outs, default, default, rows, c);
                return;
            }
            Forward(xs, gamma!.Span, beta!.Span, outs, mean is null ? default : mean.Span.Slice(start, rows),
                rstd is null ? default : rstd.Span.Slice(start, rows), rows, c, eps);
        }
    }
}
