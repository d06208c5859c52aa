using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Tests;

/// <summary>
/// Finite-difference gradient checks: loss = Σ output ⊙ R (R fixed random) is differentiated by the tape and by
/// central differences, the loss summed in float64 so that float32 rounding of the sum does not swamp the difference.
/// </summary>
internal static class GradientCheck
{
    public const ulong DropoutSeed = 7;

    /// <param name="forward">Builds the output from the inputs on the given graph (training mode, dropout seed fixed).</param>
    /// <param name="inputs">Tensors whose gradients are checked; they must have RequiresGrad set.</param>
    public static void Check(Func<Graph, Tensor> forward, Tensor[] inputs, float eps = 3e-3f, float atol = 2e-3f, float rtol = 2e-2f, int samplesPerInput = 40)
    {
        // analytic
        var g = new Graph(recordTape: true, seed: DropoutSeed);
        var output = forward(g);
        var weights = new float[output.Length];
        new Rng(99).FillUniform(weights, -1f, 1f);
        var loss = WeightedSumOp.Apply(g, output, weights);
        g.Backward(loss);
        var analytic = inputs.Select(t => t.Grad is null ? new float[t.Length] : t.Grad.ToArray()).ToArray();

        var pick = new Rng(5);
        for (int k = 0; k < inputs.Length; k++)
        {
            var span = inputs[k].Span;
            int samples = Math.Min(samplesPerInput, span.Length);
            for (int s = 0; s < samples; s++)
            {
                int i = samples == span.Length ? s : pick.NextInt(span.Length);
                float original = span[i];
                span[i] = original + eps;
                double plus = Loss(forward, weights);
                span[i] = original - eps;
                double minus = Loss(forward, weights);
                span[i] = original;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[k][i];
                Assert.True(Math.Abs(a - numeric) <= atol + rtol * Math.Max(Math.Abs(a), Math.Abs(numeric)),
                    $"input {k} element {i}: analytic {a}, numeric {numeric}");
            }
        }
    }

    private static double Loss(Func<Graph, Tensor> forward, float[] weights)
    {
        var g = new Graph(recordTape: false, seed: DropoutSeed) { Training = true };
        var output = forward(g).Span;
        double sum = 0;
        for (int i = 0; i < output.Length; i++)
            sum += (double)output[i] * weights[i];
        return sum;
    }

    public static Tensor Random(Rng rng, Shape shape, float scale = 1f, bool requiresGrad = true)
    {
        var t = new Tensor(shape) { RequiresGrad = requiresGrad };
        rng.FillUniform(t.Span, -scale, scale);
        return t;
    }

    /// <summary>loss = Σ output ⊙ weights: a test-only op, which also shows that ops outside the library plug into the tape.</summary>
    private sealed class WeightedSumOp : TapeOp
    {
        private static readonly WeightedSumOp Instance = new();

        public static Tensor Apply(Graph g, Tensor x, float[] weights)
        {
            var y = g.NewOutput(new Shape(1), x);
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
                sum += (double)x.Span[i] * weights[i];
            y.Span[0] = (float)sum;
            g.Record(new TapeEntry { Op = Instance, Output = y, A = x, Extra = weights });
            return y;
        }

        public override void Backward(Graph g, in TapeEntry e)
        {
            var weights = (float[])e.Extra!;
            float dy = e.Output.Grad!.Span[0];
            var dx = g.GradOf(e.A!).Span;
            for (int i = 0; i < dx.Length; i++)
                dx[i] += dy * weights[i];
        }
    }
}
