using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Kefu.Numerics.IO;

/// <summary>
/// Conversions between float32 and the 16-bit formats, on little-endian byte spans.
/// BF16 is the upper half of an IEEE float32: widening is a shift, narrowing rounds to nearest even.
/// </summary>
internal static class FloatConversions
{
    public static void ToSingle(SafetensorDType source, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (source)
        {
            case SafetensorDType.F32:
                bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case SafetensorDType.BF16:
                var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < halves.Length; i++)
                    destination[i] = BFloat16ToSingle(halves[i]);
                break;
        }
    }

    public static void FromSingle(SafetensorDType target, ReadOnlySpan<float> source, Span<byte> bytes)
    {
        switch (target)
        {
            case SafetensorDType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(bytes);
                break;
            case SafetensorDType.F16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(bytes));
                break;
            case SafetensorDType.BF16:
                var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < source.Length; i++)
                    halves[i] = SingleToBFloat16(source[i]);
                break;
        }
    }

    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Round to nearest, ties to even; NaN stays a quiet NaN with its sign (as PyTorch does).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
