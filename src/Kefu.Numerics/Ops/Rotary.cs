using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Rotary position embedding (Su et al., 2021, RoFormer) in the "rotate half" layout of transformers' LLaMA / Qwen2
/// (apply_rotary_pos_emb): for each head of size D and i &lt; D/2, with angle a = position · θ^(−2i/D),
/// y[i] = x[i] cos a − x[i + D/2] sin a and y[i + D/2] = x[i + D/2] cos a + x[i] sin a.
/// The first <c>rotated</c> heads of each row turn (queries and keys); later columns (values) are copied.
/// Legend: N rows (tokens), W row width, D head size, R rotated heads.
/// </summary>
public static class RotaryOp
{
    /// <summary>
    /// cos and sin [N, D/2] of the angles for each row's position, as transformers' default rotary init:
    /// inv_freq = 1 / θ^(2i/D) and the angle position · inv_freq in float32, then cos and sin.
    /// </summary>
    public static void Angles(ReadOnlySpan<int> positions, int headDim, float theta, Span<float> cos, Span<float> sin)
    {
        int half = headDim / 2;
        Span<float> invFreq = half <= 512 ? stackalloc float[half] : new float[half];
        for (int i = 0; i < half; i++)
            invFreq[i] = (float)(1.0 / Math.Pow(theta, (float)(2 * i) / headDim));
        for (int n = 0; n < positions.Length; n++)
        {
            for (int i = 0; i < half; i++)
            {
                float angle = positions[n] * invFreq[i];
                cos[n * half + i] = (float)Math.Cos(angle);
                sin[n * half + i] = (float)Math.Sin(angle);
            }
        }
    }

    // x [N, W], cos/sin [N, D/2] -> y [N, W]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> y, int n, int width, int headDim, int rotated)
    {
        int half = headDim / 2;
        for (int r = 0; r < n; r++)
        {
            var xr = x.Slice(r * width, width);
            var yr = y.Slice(r * width, width);
            var c = cos.Slice(r * half, half);
            var s = sin.Slice(r * half, half);
            for (int h = 0; h < rotated; h++)
            {
                var x1 = xr.Slice(h * headDim, half);
                var x2 = xr.Slice(h * headDim + half, half);
                var y1 = yr.Slice(h * headDim, half);
                var y2 = yr.Slice(h * headDim + half, half);
                for (int i = 0; i < half; i++)
                {
                    float a = x1[i], b = x2[i];
                    y1[i] = a * c[i] - b * s[i];
                    y2[i] = b * c[i] + a * s[i];
                }
            }
            xr.Slice(rotated * headDim).CopyTo(yr.Slice(rotated * headDim));
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<int> positions, float theta, Span<float> y, int n, int width, int headDim, int rotated)
    {
        int half = headDim / 2;
        for (int r = 0; r < n; r++)
        {
            for (int col = 0; col < width; col++)
            {
                int h = col / headDim, j = col % headDim;
                if (h >= rotated)
                {
                    y[r * width + col] = x[r * width + col];
                    continue;
                }
                int i = j % half;
                double angle = positions[r] * (1.0 / Math.Pow(theta, 2.0 * i / headDim));
                double partner = j < half ? -x[r * width + col + half] : x[r * width + col - half];
                y[r * width + col] = (float)(x[r * width + col] * Math.Cos(angle) + partner * Math.Sin(angle));
            }
        }
    }

    // the transposed rotation: dx[i] += dy[i] cos + dy[i + D/2] sin; dx[i + D/2] += dy[i + D/2] cos − dy[i] sin
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> dx, int n, int width, int headDim, int rotated)
    {
        int half = headDim / 2;
        for (int r = 0; r < n; r++)
        {
            var dyr = dy.Slice(r * width, width);
            var dxr = dx.Slice(r * width, width);
            var c = cos.Slice(r * half, half);
            var s = sin.Slice(r * half, half);
            for (int h = 0; h < rotated; h++)
            {
                int at = h * headDim;
                for (int i = 0; i < half; i++)
                {
                    float a = dyr[at + i], b = dyr[at + half + i];
                    dxr[at + i] += a * c[i] + b * s[i];
                    dxr[at + half + i] += b * c[i] - a * s[i];
                }
            }
            for (int col = rotated * headDim; col < width; col++)
                dxr[col] += dyr[col];
        }
    }

    /// <summary>Rotates the first <paramref name="rotatedHeads"/> heads of each row of x [N, W] by cos/sin [N, D/2] from <see cref="Angles"/>.</summary>
    public static Tensor Rotary(this Graph g, Tensor x, Tensor cos, Tensor sin, int headDim, int rotatedHeads)
    {
        int n = x.Shape.Rows, width = x.Shape.Last;
        if (headDim <= 0 || headDim % 2 != 0 || rotatedHeads * headDim > width)
            throw new ArgumentException($"Rotary: {rotatedHeads} heads of size {headDim} (even) do not fit rows of {width}.");
        if (cos.Length != n * headDim / 2 || sin.Length != cos.Length)
            throw new ArgumentException($"Rotary: cos {cos.Shape} and sin {sin.Shape} must be [{n}, {headDim / 2}].");
        var y = g.NewOutput(x.Shape, x);
        Forward(x.Span, cos.Span, sin.Span, y.Span, n, width, headDim, rotatedHeads);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = x, Saved0 = cos, Saved1 = sin, I0 = headDim, I1 = rotatedHeads });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            RotaryOp.Backward(e.Output.Grad!.Span, e.Saved0!.Span, e.Saved1!.Span, g.GradOf(e.A!).Span, e.A!.Shape.Rows, e.A!.Shape.Last, e.I0, e.I1);
    }
}
