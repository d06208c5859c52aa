using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Kefu.Text;

/// <summary>Where bytes stop being UTF-8: for errors that say where, instead of decoding on with U+FFFD.</summary>
public static class Utf8Text
{
    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence; null when all of them are UTF-8.</summary>
    public static int? FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes)) return null;
        int offset = 0;
        while (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) == OperationStatus.Done)
            offset += consumed;
        return offset;
    }
}
