namespace Kefu.Server.Http;

/// <summary>
/// What System.Text.Json parses but cannot turn into .NET strings: bytes that are not UTF-8, and a \uD800–\uDFFF escape
/// without its pair (a lone surrogate: valid JSON grammar, not text). Checked on the raw body before any route reads a
/// string from it, so such a body is a 400 that says where, never an exception deep in a turn.
/// </summary>
internal static class JsonTextCheck
{
    /// <summary>Why the body's strings are not all text, or null when they are.</summary>
    public static string? Problem(ReadOnlySpan<byte> json) =>
        Kefu.Text.Utf8Text.FirstInvalidByte(json) is { } bad ? $"request body is not valid UTF-8: bad byte sequence at byte {bad}" : SurrogateProblem(json);

    /// <summary>The lone-surrogate part of <see cref="Problem"/>, for a body already known to be UTF-8.</summary>
    public static string? SurrogateProblem(ReadOnlySpan<byte> json) =>
        UnpairedSurrogate(json) is { } at
            ? $"request body has a \\u{Hex(json, at + 2)} escape at byte {at} without its pair: a lone UTF-16 surrogate is not text"
            : null;

    /// <summary>
    /// The byte offset of the first \uXXXX escape that is a high surrogate not followed by a low one, or a low surrogate
    /// not preceded by a high one; null when there is none. Escapes are found by walking backslash pairs, so "\\u"
    /// (an escaped backslash, then u) is not one.
    /// </summary>
    internal static int? UnpairedSurrogate(ReadOnlySpan<byte> json)
    {
        int first = json.IndexOf((byte)'\\');
        if (first < 0) return null;   // the common case: no escapes at all
        int pendingHigh = -1;         // offset of a high-surrogate escape waiting for its low half
        for (int i = first; i < json.Length; i++)
        {
            if (json[i] != '\\' || i + 1 >= json.Length)
            {
                if (pendingHigh >= 0) return pendingHigh;
                continue;
            }
            if (json[i + 1] != 'u' || i + 6 > json.Length || !TryHex(json.Slice(i + 2, 4), out int unit))
            {
                if (pendingHigh >= 0) return pendingHigh;
                i++;   // a two-byte escape such as \\ or \"
                continue;
            }
            bool high = unit is >= 0xD800 and <= 0xDBFF, low = unit is >= 0xDC00 and <= 0xDFFF;
            if (pendingHigh >= 0 && !low) return pendingHigh;
            if (low && pendingHigh < 0) return i;
            pendingHigh = high ? i : -1;
            i += 5;
        }
        return pendingHigh >= 0 ? pendingHigh : null;
    }

    static bool TryHex(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (byte b in digits)
        {
            int d = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : (b | 0x20) is >= 'a' and <= 'f' ? (b | 0x20) - 'a' + 10 : -1;
            if (d < 0) return false;
            value = value * 16 + d;
        }
        return true;
    }

    static string Hex(ReadOnlySpan<byte> json, int at) => System.Text.Encoding.ASCII.GetString(json.Slice(at, 4));
}
