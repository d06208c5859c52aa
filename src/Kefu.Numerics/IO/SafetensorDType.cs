namespace Kefu.Numerics.IO;

/// <summary>Element types Kefu writes; a file may hold others, which are listed but not read as floats.</summary>
public enum SafetensorDType
{
    F32,
    F16,
    BF16,
}

/// <summary>Element sizes of every dtype named by the safetensors format, in bits (F4 and F6 pack below a byte).</summary>
internal static class SafetensorDTypes
{
    public static bool TryGetBitSize(string dtype, out int bits)
    {
        bits = dtype switch
        {
            "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 8,
            "I16" or "U16" or "F16" or "BF16" => 16,
            "I32" or "U32" or "F32" => 32,
            "I64" or "U64" or "F64" or "C64" => 64,
            "F4" => 4,
            "F6_E2M3" or "F6_E3M2" => 6,
            _ => 0,
        };
        return bits != 0;
    }

    public static string Name(SafetensorDType dtype) => dtype switch
    {
        SafetensorDType.F32 => "F32",
        SafetensorDType.F16 => "F16",
        SafetensorDType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    public static int ByteSize(SafetensorDType dtype) => dtype == SafetensorDType.F32 ? 4 : 2;

    /// <summary>The format stores little-endian bytes; the readers and writers reinterpret memory directly.</summary>
    public static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors reading and writing needs a little-endian machine.");
    }
}
