using System.Numerics;

namespace Kefu.Numerics.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as PyTorch's AdamW:
/// m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²; p −= lr · (wd · p + (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)).
/// Each parameter uses its group's learning rate and weight decay, times the schedule's factor.
/// </summary>
public sealed unsafe class AdamW
{
    private readonly ParameterSet parameters;
    private readonly float[] momentArray, velocityArray;
    private readonly float* moment, velocity;

    public AdamW(ParameterSet parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        if (!parameters.IsAllocated)
            throw new InvalidOperationException("Allocate the parameter set before creating its optimizer.");
        if (!parameters.HasGradients)
            throw new InvalidOperationException("The parameter set was allocated without gradients (for inference); it cannot be trained.");
        this.parameters = parameters;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        momentArray = AlignedArray.Allocate(parameters.Length, out moment);
        velocityArray = AlignedArray.Allocate(parameters.Length, out velocity);
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    /// <summary>Steps taken so far (t in the bias corrections); set it with the moments when resuming from a checkpoint.</summary>
    public int StepCount { get; set; }

    public Span<float> FirstMoments => new(moment, parameters.Length);
    public Span<float> SecondMoments => new(velocity, parameters.Length);

    /// <param name="learningRateScale">The schedule's factor for this step, multiplied into each group's learning rate.</param>
    public void Step(float learningRateScale = 1f)
    {
        StepCount++;
        float correction1 = 1f - MathF.Pow(Beta1, StepCount), correction2 = 1f - MathF.Pow(Beta2, StepCount);
        var values = parameters.Values;
        var grads = parameters.Gradients;
        foreach (var p in parameters.List)
        {
            if (p.Frozen)
                continue;
            int offset = p.Offset, length = p.Length;
            Update(values.Slice(offset, length), grads.Slice(offset, length), new Span<float>(moment + offset, length), new Span<float>(velocity + offset, length),
                p.Group.LearningRate * learningRateScale, p.Group.WeightDecay, Beta1, Beta2, Epsilon, correction1, correction2);
        }
    }

    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float weightDecay, float beta1, float beta2, float eps, float correction1, float correction2)
    {
        int width = Vector<float>.Count, i = 0;
        var vb1 = new Vector<float>(beta1);
        var vb1c = new Vector<float>(1f - beta1);
        var vb2 = new Vector<float>(beta2);
        var vb2c = new Vector<float>(1f - beta2);
        var stepSize = new Vector<float>(lr / correction1);
        var invSqrtC2 = new Vector<float>(1f / MathF.Sqrt(correction2));
        var veps = new Vector<float>(eps);
        var decay = new Vector<float>(1f - lr * weightDecay);
        for (; i <= p.Length - width; i += width)
        {
            var gi = new Vector<float>(g.Slice(i));
            var mi = vb1 * new Vector<float>(m.Slice(i)) + vb1c * gi;
            var vi = vb2 * new Vector<float>(v.Slice(i)) + vb2c * gi * gi;
            mi.CopyTo(m.Slice(i));
            vi.CopyTo(v.Slice(i));
            var pi = new Vector<float>(p.Slice(i)) * decay - stepSize * mi / (Vector.SquareRoot(vi) * invSqrtC2 + veps);
            pi.CopyTo(p.Slice(i));
        }
        UpdateReference(p.Slice(i), g.Slice(i), m.Slice(i), v.Slice(i), lr, weightDecay, beta1, beta2, eps, correction1, correction2);
    }

    public static void UpdateReference(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float weightDecay, float beta1, float beta2, float eps, float correction1, float correction2)
    {
        for (int i = 0; i < p.Length; i++)
        {
            m[i] = beta1 * m[i] + (1f - beta1) * g[i];
            v[i] = beta2 * v[i] + (1f - beta2) * g[i] * g[i];
            p[i] = p[i] * (1f - lr * weightDecay) - lr / correction1 * m[i] / (MathF.Sqrt(v[i]) / MathF.Sqrt(correction2) + eps);
        }
    }
}
