namespace Kefu.Numerics.IO;

/// <summary>One tensor listed in a safetensors header. <paramref name="DType"/> is the format's name ("F32", "I64"...).</summary>
public sealed record SafetensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long ByteLength)
{
    /// <summary>Product of the shape; 1 for a scalar (empty shape).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dim in Shape)
                count *= dim;
            return count;
        }
    }

    /// <summary>Offset of the first byte inside the data buffer (after the header).</summary>
    internal long DataOffset { get; init; }
}

/// <summary>A named float32 tensor to write, row-major; <c>Data.Length</c> equals the product of <c>Shape</c>.</summary>
public readonly record struct NamedTensor(string Name, int[] Shape, ReadOnlyMemory<float> Data);
