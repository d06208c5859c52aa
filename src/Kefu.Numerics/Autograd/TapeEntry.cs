namespace Kefu.Numerics.Autograd;

/// <summary>The backward half of one coarse op; one stateless singleton per op, so recording allocates nothing.</summary>
public abstract class TapeOp
{
    /// <summary>Adds d loss / d inputs into the inputs' gradients, given <c>entry.Output.Grad</c>.</summary>
    public abstract void Backward(Graph graph, in TapeEntry entry);
}

/// <summary>
/// One recorded op: its inputs, output, what forward saved for backward, and small scalar arguments.
/// A struct in a reused array, so a step records without allocating.
/// </summary>
public struct TapeEntry
{
    public TapeOp Op;
    public Tensor Output;
    public Tensor? A, B, C, D;
    /// <summary>Tensors forward saved for backward (statistics, masks, probabilities).</summary>
    public Tensor? Saved0, Saved1;
    public ReadOnlyMemory<int> Ints;
    public object? Extra;
    public int I0, I1, I2;
    public float F0;
}
