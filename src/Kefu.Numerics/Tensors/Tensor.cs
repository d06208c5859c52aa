using System.Runtime.InteropServices;

namespace Kefu.Numerics;

/// <summary>
/// A float32 row-major tensor over memory it does not own: a pinned, 64-byte aligned buffer held by
/// its owner (a standalone array, a <see cref="TensorArena"/> chunk or a <see cref="ParameterSet"/>).
/// Headers are reused by the arena, so a tensor is valid until the arena that made it is reset.
/// </summary>
public unsafe class Tensor
{
    private float* data;
    private float[]? owner;

    internal Tensor() { }

    /// <summary>A standalone zeroed tensor owning its own pinned, aligned array.</summary>
    public Tensor(Shape shape)
    {
        owner = AlignedArray.Allocate(shape.Length, out data);
        Shape = shape;
    }

    public Shape Shape { get; private set; }

    public int Length => Shape.Length;

    /// <summary>Whether backward computes a gradient for this tensor (parameters unless frozen, activations that depend on them).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>d loss / d this, same shape; null until backward reaches it (activations) or bound to the flat gradient buffer (parameters).</summary>
    public Tensor? Grad { get; internal set; }

    public Span<float> Span => new(data, Shape.Length);

    /// <summary>Row <paramref name="row"/> of the tensor viewed as a matrix [Rows, Last].</summary>
    public Span<float> Row(int row)
    {
        if ((uint)row >= (uint)Shape.Rows)
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside a tensor of shape {Shape}.");
        return new Span<float>(data + (long)row * Shape.Last, Shape.Last);
    }

    internal float* Pointer => data;

    internal void Bind(float* pointer, Shape shape, float[]? keepAlive)
    {
        data = pointer;
        owner = keepAlive;
        Shape = shape;
        RequiresGrad = false;
        Grad = null;
    }

    public static Tensor FromArray(float[] values, Shape shape)
    {
        if (values.Length != shape.Length)
            throw new ArgumentException($"{values.Length} values do not fill shape {shape}.", nameof(values));
        var t = new Tensor(shape);
        values.CopyTo(t.Span);
        return t;
    }

    public float[] ToArray() => Span.ToArray();

    public override string ToString() => $"Tensor{Shape}";
}

/// <summary>Pinned float arrays whose first used element is 64-byte aligned (one cache line, one Vector512).</summary>
internal static unsafe class AlignedArray
{
    private const int AlignFloats = 16;

    public static float[] Allocate(int length, out float* aligned)
    {
        var array = GC.AllocateArray<float>(length + AlignFloats, pinned: true);
        float* start = (float*)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        long misalignment = ((long)start & 63) / sizeof(float);
        aligned = start + (misalignment == 0 ? 0 : AlignFloats - misalignment);
        return array;
    }
}
