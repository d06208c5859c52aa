namespace Kefu.Numerics.Optim;

/// <summary>A learnable tensor: a named view into the flat value buffer, with its gradient a view into the flat gradient buffer.</summary>
public sealed class Parameter : Tensor
{
    internal Parameter(ParameterSet owner, string name, Shape shape, ParameterInit init, ParameterGroup group, int offset)
    {
        Owner = owner;
        Name = name;
        DeclaredShape = shape;
        Init = init;
        Group = group;
        Offset = offset;
    }

    /// <summary>The set whose flat buffer holds the values.</summary>
    public ParameterSet Owner { get; }

    /// <summary>The values, writable: taking them through a <see cref="Parameter"/> marks the owner changed
    /// (<see cref="ParameterSet.Version"/>), so packed inference weights never go stale. Ops read them as a <see cref="Tensor"/>.</summary>
    public new Span<float> Span
    {
        get
        {
            Owner.MarkChanged();
            return base.Span;
        }
    }

    /// <summary>Dotted path, e.g. "encoder.layers.0.attention.qkv.weight" (Hugging Face style).</summary>
    public string Name { get; }

    public ParameterGroup Group { get; }

    public ParameterInit Init { get; }

    /// <summary>Position of the first element in the flat buffers.</summary>
    public int Offset { get; }

    internal Shape DeclaredShape { get; }

    /// <summary>A frozen parameter gets no gradient and is never updated.</summary>
    public bool Frozen
    {
        get => !RequiresGrad;
        set
        {
            if (!value && Owner.IsAllocated && !Owner.HasGradients)
                throw new InvalidOperationException($"'{Name}' cannot be unfrozen: its parameter set was allocated without gradients.");
            RequiresGrad = !value;
        }
    }

    public override string ToString() => $"{Name}{DeclaredShape}";
}

/// <summary>Learning rate and decoupled weight decay shared by a set of parameters (e.g. no decay for LayerNorm and biases).</summary>
public sealed record ParameterGroup(string Name, float LearningRate, float WeightDecay)
{
    public float LearningRate { get; set; } = LearningRate;
    public float WeightDecay { get; set; } = WeightDecay;
}

/// <summary>How a parameter is initialised when <see cref="ParameterSet.Allocate"/> runs.</summary>
public readonly record struct ParameterInit(ParameterInitKind Kind, float Scale)
{
    public static ParameterInit Zeros => new(ParameterInitKind.Constant, 0f);
    public static ParameterInit Ones => new(ParameterInitKind.Constant, 1f);
    public static ParameterInit Normal(float std) => new(ParameterInitKind.Normal, std);
    public static ParameterInit Uniform(float bound) => new(ParameterInitKind.Uniform, bound);
}

public enum ParameterInitKind
{
    Constant,
    Normal,
    Uniform,
}
