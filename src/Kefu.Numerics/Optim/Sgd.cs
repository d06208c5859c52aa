using System.Numerics.Tensors;

namespace Kefu.Numerics.Optim;

/// <summary>
/// Stochastic gradient descent with momentum and (coupled, L2) weight decay, as PyTorch's SGD:
/// g' = g + wd · p; b = μ b + g'; p −= lr · b.
/// </summary>
public sealed class Sgd
{
    private readonly ParameterSet parameters;
    private readonly float[] velocity;

    public Sgd(ParameterSet parameters, float momentum = 0.9f)
    {
        if (!parameters.IsAllocated)
            throw new InvalidOperationException("Allocate the parameter set before creating its optimizer.");
        this.parameters = parameters;
        Momentum = momentum;
        velocity = new float[parameters.Length];
    }

    public float Momentum { get; }

    public void Step(float learningRateScale = 1f)
    {
        var values = parameters.Values;
        var grads = parameters.Gradients;
        foreach (var p in parameters.List)
        {
            if (p.Frozen)
                continue;
            var value = values.Slice(p.Offset, p.Length);
            var buffer = velocity.AsSpan(p.Offset, p.Length);
            // b = μ b + g + wd · p
            TensorPrimitives.MultiplyAdd(buffer, Momentum, grads.Slice(p.Offset, p.Length), buffer);
            if (p.Group.WeightDecay != 0f)
                TensorPrimitives.MultiplyAdd(value, p.Group.WeightDecay, buffer, buffer);
            TensorPrimitives.MultiplyAdd(buffer, -p.Group.LearningRate * learningRateScale, value, value);
        }
    }
}
