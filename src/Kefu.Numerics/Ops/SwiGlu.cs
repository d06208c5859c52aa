using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// The gated unit of LLaMA / Qwen2 MLPs (Shazeer, 2020): y = silu(gate) ⊙ up, silu(g) = g · σ(g), with gate and up
/// side by side in one input (one GEMM for gate_proj and up_proj). transformers: Qwen2MLP,
/// down_proj(act_fn(gate_proj(x)) * up_proj(x)). Legend: N rows, F intermediate features.
/// </summary>
public static class SwiGluOp
{
    // gateUp [N, 2F] (gate | up) -> y [N, F]
    public static void Forward(ReadOnlySpan<float> gateUp, Span<float> y, int n, int features)
    {
        for (int r = 0; r < n; r++)
        {
            var gate = gateUp.Slice(2 * r * features, features);
            var up = gateUp.Slice((2 * r + 1) * features, features);
            var yr = y.Slice(r * features, features);
            // σ(g) = 1 / (1 + e^−g), then g · σ(g) · up
            TensorPrimitives.Sigmoid(gate, yr);
            TensorPrimitives.Multiply(yr, gate, yr);
            TensorPrimitives.Multiply(yr, up, yr);
        }
    }

    public static void ForwardReference(ReadOnlySpan<float> gateUp, Span<float> y, int n, int features)
    {
        for (int r = 0; r < n; r++)
        {
            for (int f = 0; f < features; f++)
            {
                float g = gateUp[2 * r * features + f], u = gateUp[(2 * r + 1) * features + f];
                y[r * features + f] = g / (1f + MathF.Exp(-g)) * u;
            }
        }
    }

    // dgate += dy · up · σ(g)(1 + g(1 − σ(g))); dup += dy · g · σ(g); into dgateUp [N, 2F]
    public static void Backward(ReadOnlySpan<float> gateUp, ReadOnlySpan<float> dy, Span<float> dgateUp, int n, int features)
    {
        for (int r = 0; r < n; r++)
        {
            int gateAt = 2 * r * features, upAt = gateAt + features;
            for (int f = 0; f < features; f++)
            {
                float g = gateUp[gateAt + f], u = gateUp[upAt + f], d = dy[r * features + f];
                float s = 1f / (1f + MathF.Exp(-g));
                dgateUp[gateAt + f] += d * u * s * (1f + g * (1f - s));
                dgateUp[upAt + f] += d * g * s;
            }
        }
    }

    /// <summary>gateUp [.., 2F] -> [.., F].</summary>
    public static Tensor SwiGlu(this Graph g, Tensor gateUp)
    {
        if (gateUp.Shape.Last % 2 != 0)
            throw new ArgumentException($"SwiGlu: input {gateUp.Shape} must hold gate and up side by side (an even last dimension).");
        int features = gateUp.Shape.Last / 2;
        var y = g.NewOutput(gateUp.Shape.WithLast(features), gateUp);
        Forward(gateUp.Span, y.Span, gateUp.Shape.Rows, features);
        if (g.Records(y))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = y, A = gateUp });
        return y;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e) =>
            SwiGluOp.Backward(e.A!.Span, e.Output.Grad!.Span, g.GradOf(e.A!).Span, e.A!.Shape.Rows, e.Output.Shape.Last);
    }
}
