using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Root-mean-square normalisation over the last dimension (Zhang and Sennrich, 2019), as transformers'
/// Qwen2RMSNorm / LlamaRMSNorm: y = x · rstd · gamma, rstd = 1 / sqrt(mean(x²) + eps); no mean, no shift.
/// Legend: N rows, C channels.
/// </summary>
public static class RmsNormOp
{
    // x [N, C], gamma [C] -> y [N, C]; rstd [N] saved for backward (may be empty)
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, Span<float> rstd, int n, int channels, float eps)
    {
        for (int r = 0; r < n; r++)
        {
            var xr = x.Slice(r * channels, channels);
            var yr = y.Slice(r * channels, channels);
            float s = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / channels + eps);
            TensorPrimitives.Multiply(xr, s, yr);
            TensorPrimitives.Multiply(yr, gamma, yr);
            if (!rstd.IsEmpty)
                rstd[r] = s;
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, int n, int channels, float eps)
    {
        for (int r = 0; r < n; r++)
        {
            double ss = 0;
            for (int c = 0; c < channels; c++)
                ss += (double)x[r * channels + c] * x[r * channels + c];
            double s = 1.0 / Math.Sqrt(ss / channels + eps);
            for (int c = 0; c < channels; c++)
                y[r * channels + c] = (float)(x[r * channels + c] * s * gamma[c]);
        }
    }

    // xhat = x · rstd; dxhat = dy · gamma;
    // dx [N, C] += rstd · (dxhat − xhat · mean(dxhat · xhat)); dgamma [C] += Σ_rows dy · xhat. Empty spans are skipped.
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dgamma, int n, int channels)
    {
        Span<float> scratch = channels <= 1024 ? stackalloc float[2 * channels] : new float[2 * channels];
        var xhat = scratch.Slice(0, channels);
        var dxhat = scratch.Slice(channels, channels);
        for (int r = 0; r < n; r++)
        {
            var xr = x.Slice(r * channels, channels);
            var dyr = dy.Slice(r * channels, channels);
            float s = rstd[r];
            TensorPrimitives.Multiply(xr, s, xhat);
            if (!dgamma.IsEmpty)
                TensorPrimitives.MultiplyAdd(dyr, xhat, dgamma, dgamma);
            if (dx.IsEmpty)
                continue;
            TensorPrimitives.Multiply(dyr, gamma, dxhat);
            float meanDX = TensorPrimitives.Dot(dxhat, xhat) / channels;
            // dx += s · dxhat − (s · meanDX) · xhat
            var dxr = dx.Slice(r * channels, channels);
            TensorPrimitives.MultiplyAdd(dxhat, s, dxr, dxr);
            TensorPrimitives.MultiplyAdd(xhat, -s * meanDX, dxr, dxr);
        }
    }

    public static void BackwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dgamma, int n, int channels, float eps)
    {
        for (int r = 0; r < n; r++)
        {
            double ss = 0, dot = 0;
            for (int c = 0; c < channels; c++)
                ss += (double)x[r * channels + c] * x[r * channels + c];
            double s = 1.0 / Math.Sqrt(ss / channels + eps);
            for (int c = 0; c < channels; c++)
                dot += dy[r * channels + c] * gamma[c] * x[r * channels + c] * s;
            for (int c = 0; c < channels; c++)
            {
                double xhat = x[r * channels + c] * s;
                dgamma[c] += (float)(dy[r * channels + c] * xhat);
                dx[r * channels + c] += (float)(s * (dy[r * channels + c] * gamma[c] - xhat * dot / channels));
            }
        }
    }

    /// <summary>Normalises each row of x [.., C] by its root mean square and scales by gamma [C].</summary>
    public static Tensor RmsNorm(this Graph g, Tensor x, Tensor gamma, float eps = 1e-6f)
    {
        int channels = x.Shape.Last;
        if (gamma.Length != channels)
            throw new ArgumentException($"RmsNorm: gamma {gamma.Shape} must be [{channels}] for input {x.Shape}.");
        var y = g.NewOutput(x.Shape, x, gamma);
        int n = x.Shape.Rows;
        bool records = g.Records(y);
        var rstd = records ? g.NewTensor(new Shape(n)) : null;
        Forward(x.Span, gamma.Span, y.Span, rstd is null ? default : rstd.Span, n, channels, eps);
        if (records)
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, B = gamma, Saved0 = rstd });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            Tensor x = e.A!, gamma = e.B!;
            RmsNormOp.Backward(x.Span, gamma.Span, e.Saved0!.Span, e.Output.Grad!.Span,
                Graph.Wants(x) ? g.GradOf(x).Span : default, Graph.Wants(gamma) ? g.GradOf(gamma).Span : default,
                x.Shape.Rows, x.Shape.Last);
        }
    }
}
