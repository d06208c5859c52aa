namespace Kefu.Numerics;

/// <summary>
/// Bump allocator for activations: tensors live until <see cref="Reset"/>. Chunks and tensor headers are
/// kept across resets, so a step that repeats the previous one's allocations allocates nothing new.
/// </summary>
public sealed unsafe class TensorArena
{
    private readonly int chunkFloats;
    private readonly List<Chunk> chunks = [];
    private readonly List<Tensor> headers = [];
    private int chunkIndex;
    private int chunkOffset;
    private int headerCount;

    /// <param name="chunkFloats">Size of each chunk in floats; larger requests get a chunk of their own.</param>
    public TensorArena(int chunkFloats = 1 << 22)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkFloats, 16);
        this.chunkFloats = chunkFloats;
    }

    /// <summary>Floats held in chunks (what the arena costs in memory).</summary>
    public long CapacityFloats => chunks.Sum(c => (long)c.Length);

    /// <summary>A tensor valid until the next <see cref="Reset"/>; zeroed only when asked.</summary>
    public Tensor Allocate(Shape shape, bool zero = false)
    {
        int length = shape.Length;
        int padded = (length + 15) & ~15; // keep every tensor 64-byte aligned
        if (chunkIndex >= chunks.Count || chunkOffset + padded > chunks[chunkIndex].Length)
            MoveToChunkFitting(padded);
        float* p = chunks[chunkIndex].Start + chunkOffset;
        chunkOffset += padded;

        if (headerCount == headers.Count)
            headers.Add(new Tensor());
        var t = headers[headerCount++];
        t.Bind(p, shape, null);
        if (zero)
            t.Span.Clear();
        return t;
    }

    /// <summary>Frees every tensor at once; their memory and headers are reused by the next allocations.</summary>
    public void Reset()
    {
        chunkIndex = 0;
        chunkOffset = 0;
        headerCount = 0;
    }

    private void MoveToChunkFitting(int padded)
    {
        if (chunkIndex < chunks.Count && chunkOffset > 0)
            chunkIndex++;
        chunkOffset = 0;
        if (chunkIndex < chunks.Count && chunks[chunkIndex].Length >= padded)
            return;
        var array = AlignedArray.Allocate(Math.Max(chunkFloats, padded), out float* start);
        chunks.Insert(chunkIndex, new Chunk(array, start, Math.Max(chunkFloats, padded)));
    }

    private readonly record struct Chunk(float[] Array, nint StartAddress, int Length)
    {
        public Chunk(float[] array, float* start, int length) : this(array, (nint)start, length) { }
        public float* Start => (float*)StartAddress;
    }
}
