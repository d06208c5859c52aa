namespace Kefu.Numerics.Ops;

/// <summary>
/// Keys and values of earlier tokens for incremental decoding, per layer [S, G, P, D] (slot-major, then key/value
/// head, then position), so one head's keys are a contiguous [P, D] matrix for the GEMMs. A slot holds one
/// sequence; <see cref="Lengths"/> counts the positions each slot has filled, shared by every layer.
/// Legend: S slots (sequences), G key/value heads, P capacity (positions), D head size.
/// </summary>
public sealed class KvCache
{
    private readonly float[][] keys, values;
    private readonly int[] lengths;

    public KvCache(int layers, int slots, int kvHeads, int headDim, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        long perLayer = (long)slots * kvHeads * capacity * headDim;
        if (perLayer > Array.MaxLength)
            throw new ArgumentException($"A KV cache of {slots} slots × {kvHeads} heads × {capacity} positions × {headDim} is too large for one array per layer.");
        (Layers, Slots, KvHeads, HeadDim, Capacity) = (layers, slots, kvHeads, headDim, capacity);
        keys = new float[layers][];
        values = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            keys[l] = new float[perLayer];
            values[l] = new float[perLayer];
        }
        lengths = new int[slots];
    }

    public int Layers { get; }
    public int Slots { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    public int Capacity { get; }

    /// <summary>Bytes held by keys and values.</summary>
    public long Bytes => 2L * Layers * Slots * KvHeads * Capacity * HeadDim * sizeof(float);

    /// <summary>Positions filled in each slot.</summary>
    public ReadOnlySpan<int> Lengths => lengths;

    /// <summary>[P, D] keys of one head of one slot.</summary>
    public Span<float> Keys(int layer, int slot, int head) => keys[layer].AsSpan(Offset(slot, head), Capacity * HeadDim);

    /// <summary>[P, D] values of one head of one slot.</summary>
    public Span<float> Values(int layer, int slot, int head) => values[layer].AsSpan(Offset(slot, head), Capacity * HeadDim);

    /// <summary>Marks <paramref name="count"/> more positions of a slot filled, after every layer has written them.</summary>
    public void Advance(int slot, int count)
    {
        if (count < 0 || lengths[slot] + count > Capacity)
            throw new ArgumentOutOfRangeException(nameof(count), $"Slot {slot} holds {lengths[slot]} of {Capacity} positions; cannot add {count}.");
        lengths[slot] += count;
    }

    /// <summary>
    /// Copies the filled positions of slot <paramref name="from"/> into slot <paramref name="to"/> of <paramref name="target"/>
    /// (a cache of the same shape, or this one with another slot), which then holds as many: how beam search moves a
    /// hypothesis's keys and values to the slot of each continuation.
    /// </summary>
    public void CopySlot(int from, KvCache target, int to)
    {
        if (target.Layers != Layers || target.KvHeads != KvHeads || target.HeadDim != HeadDim || target.Capacity != Capacity)
            throw new ArgumentException("The target cache has another shape.", nameof(target));
        int filled = lengths[from] * HeadDim;
        for (int l = 0; l < Layers; l++)
            for (int h = 0; h < KvHeads; h++)
            {
                keys[l].AsSpan(Offset(from, h), filled).CopyTo(target.keys[l].AsSpan(target.Offset(to, h), filled));
                values[l].AsSpan(Offset(from, h), filled).CopyTo(target.values[l].AsSpan(target.Offset(to, h), filled));
            }
        target.lengths[to] = lengths[from];
    }

    /// <summary>Forgets a slot's positions (a new sequence starts there).</summary>
    public void Clear(int slot) => lengths[slot] = 0;

    /// <summary>Forgets every slot.</summary>
    public void Clear() => Array.Clear(lengths);

    private int Offset(int slot, int head) => (slot * KvHeads + head) * Capacity * HeadDim;
}
