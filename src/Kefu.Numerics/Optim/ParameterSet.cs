using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Kefu.Numerics.IO;

namespace Kefu.Numerics.Optim;

/// <summary>
/// Every parameter of a model in two flat buffers, values and gradients, with one named view per parameter.
/// Modules declare their parameters with <see cref="Add"/>; <see cref="Allocate"/> then lays them out and initialises them.
/// </summary>
public sealed unsafe class ParameterSet
{
    private readonly List<Parameter> parameters = [];
    private readonly Dictionary<string, Parameter> byName = new(StringComparer.Ordinal);
    private float[]? valueArray, gradArray;
    private float* values, grads;
    private int length, valueStart;
    private long version;

    public ParameterSet()
    {
        Decay = new ParameterGroup("decay", 1e-3f, 0.01f);
        NoDecay = new ParameterGroup("no_decay", 1e-3f, 0f);
    }

    /// <summary>Default group for weight matrices and embeddings.</summary>
    public ParameterGroup Decay { get; }

    /// <summary>Default group for biases and LayerNorm gains, which are not decayed.</summary>
    public ParameterGroup NoDecay { get; }

    public IReadOnlyList<Parameter> Parameters => parameters;

    // the concrete list, whose struct enumerator keeps optimizer steps allocation-free
    internal List<Parameter> List => parameters;

    public bool IsAllocated => valueArray is not null;

    /// <summary>Total number of scalars.</summary>
    public int Length => length;

    /// <summary>Every value, writable: handing it out counts as a change (see <see cref="Version"/>).</summary>
    public Span<float> Values
    {
        get
        {
            MarkChanged();
            return new(values, IsAllocated ? length : 0);
        }
    }

    /// <summary>
    /// Grows whenever values may have changed: allocation, optimizer steps, <see cref="CopyValuesFrom"/>, and every
    /// hand-out of writable values (<see cref="Values"/>, <see cref="MemoryOf"/>, <see cref="LoadTargets"/>,
    /// <see cref="Parameter.Span"/>). Caches derived from the values (packed inference weights) are rebuilt when it moves.
    /// </summary>
    public long Version => Interlocked.Read(ref version);

    /// <summary>Declares that values changed through memory obtained earlier (e.g. a span kept across an inference call).</summary>
    public void MarkChanged() => Interlocked.Increment(ref version);

    /// <summary>Every gradient; empty when the set was allocated without gradients (inference).</summary>
    public Span<float> Gradients => new(grads, gradArray is null ? 0 : length);

    /// <summary>False when allocated for inference only: no gradient buffer, every parameter frozen.</summary>
    public bool HasGradients => gradArray is not null;

    public Parameter this[string name] =>
        byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"No parameter named '{name}'.");

    public bool TryGet(string name, out Parameter parameter) => byName.TryGetValue(name, out parameter!);

    public Parameter Add(string name, Shape shape, ParameterInit init, ParameterGroup? group = null)
    {
        if (IsAllocated)
            throw new InvalidOperationException($"Cannot add '{name}': the parameter set is already allocated.");
        if (byName.ContainsKey(name))
            throw new ArgumentException($"A parameter named '{name}' already exists.", nameof(name));
        // keep each view 64-byte aligned
        var p = new Parameter(this, name, shape, init, group ?? Decay, length);
        length += (shape.Length + 15) & ~15;
        parameters.Add(p);
        byName.Add(name, p);
        return p;
    }

    /// <summary>Lays out the flat buffers, binds every view and initialises values from <paramref name="seed"/> in declaration order.</summary>
    /// <param name="withGradients">False for inference: no gradient buffer (half the memory), every parameter frozen.</param>
    public void Allocate(ulong seed, bool withGradients = true)
    {
        if (IsAllocated)
            throw new InvalidOperationException("The parameter set is already allocated.");
        valueArray = AlignedArray.Allocate(length, out values);
        if (withGradients)
            gradArray = AlignedArray.Allocate(length, out grads);
        valueStart = (int)(values - (float*)Marshal.UnsafeAddrOfPinnedArrayElement(valueArray, 0));
        MarkChanged();
        var rng = new Rng(seed);
        foreach (var p in parameters)
        {
            p.Bind(values + p.Offset, p.DeclaredShape, null);
            if (withGradients)
            {
                var grad = new Tensor();
                grad.Bind(grads + p.Offset, p.DeclaredShape, null);
                p.Grad = grad;
            }
            p.RequiresGrad = withGradients;
            var span = p.Span;
            switch (p.Init.Kind)
            {
                case ParameterInitKind.Constant:
                    span.Fill(p.Init.Scale);
                    break;
                case ParameterInitKind.Normal:
                    rng.FillNormal(span, 0f, p.Init.Scale);
                    break;
                case ParameterInitKind.Uniform:
                    rng.FillUniform(span, -p.Init.Scale, p.Init.Scale);
                    break;
            }
        }
    }

    /// <summary>A parameter's values as <see cref="Memory{T}"/>, e.g. a destination for <see cref="SafetensorsFile.LoadInto"/>.</summary>
    public Memory<float> MemoryOf(Parameter parameter)
    {
        if (valueArray is null || !ReferenceEquals(byName.GetValueOrDefault(parameter.Name), parameter))
            throw new ArgumentException($"Parameter '{parameter.Name}' is not an allocated parameter of this set.", nameof(parameter));
        MarkChanged();
        return valueArray.AsMemory(valueStart + parameter.Offset, parameter.Length);
    }

    /// <summary>Every parameter as a (name, shape, destination) entry for <see cref="SafetensorsFile.LoadInto"/>.</summary>
    public IEnumerable<(string Name, int[] Shape, Memory<float> Destination)> LoadTargets() =>
        parameters.Select(p => (p.Name, Dimensions(p.DeclaredShape), MemoryOf(p)));

    /// <summary>Every parameter as a <see cref="NamedTensor"/> for <see cref="SafetensorsWriter"/>.</summary>
    public IEnumerable<NamedTensor> ToNamedTensors() =>
        parameters.Select(p => new NamedTensor(p.Name, Dimensions(p.DeclaredShape), MemoryOf(p)));

    private static int[] Dimensions(Shape shape) => Enumerable.Range(0, shape.Rank).Select(axis => shape[axis]).ToArray();

    /// <summary>Clears every gradient; call after each optimizer step (not between accumulated micro-batches).</summary>
    public void ZeroGradients() => Gradients.Clear();

    /// <summary>Parameters whose name starts with the prefix, e.g. to freeze "embeddings.".</summary>
    public IEnumerable<Parameter> WithPrefix(string prefix) => parameters.Where(p => p.Name.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>√(Σ g²) over the gradients of parameters that are not frozen.</summary>
    public float GradientNorm()
    {
        double sum = 0;
        foreach (var p in parameters)
        {
            if (!p.Frozen)
                sum += TensorPrimitives.SumOfSquares(p.Grad!.Span);
        }
        return (float)Math.Sqrt(sum);
    }

    /// <summary>Scales gradients so that their global norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public float ClipGradientNorm(float maxNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        float norm = GradientNorm();
        if (norm > maxNorm)
        {
            float scale = maxNorm / (norm + 1e-6f);
            foreach (var p in parameters)
            {
                if (!p.Frozen)
                    TensorPrimitives.Multiply(p.Grad!.Span, scale, p.Grad!.Span);
            }
        }
        return norm;
    }

    /// <summary>Copies values from another set with the same layout (e.g. to snapshot the best epoch).</summary>
    public void CopyValuesFrom(ParameterSet other)
    {
        if (other.length != length)
            throw new ArgumentException($"Parameter layouts differ: {other.length} vs {length} scalars.", nameof(other));
        other.Values.CopyTo(Values);
    }
}
