namespace Kefu.Numerics.Optim;

/// <summary>A learnable tensor: a named view into the flat value buffer, with its gradient a view into the flat gradient buffer.</summary>
public sealed class Parameter : Tensor
{
    internal Parameter(string name, Shape shape, ParameterInit init, ParameterGroup group, int offset)
    {
        Name = name;
        DeclaredShape = shape;
        Init = init;
        Group = group;
        Offset = offset;
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
        set => RequiresGrad = !value;
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
