namespace Kefu.Text.WordPiece;

/// <summary>
/// A normalized string with, for each of its UTF-16 units, the range of the original text it came from: tokenizers'
/// NormalizedString, in UTF-16 units rather than bytes. Both units of a surrogate pair carry the same range.
/// A token over normalized units [s, e) maps back to the original range (Starts[s], Ends[e - 1]).
/// </summary>
internal sealed class NormalizedText
{
    private char[] chars = new char[64];
    private int[] starts = new int[64];
    private int[] ends = new int[64];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Chars => chars.AsSpan(0, Length);

    public char this[int index] => chars[index];

    public int StartOf(int index) => starts[index];

    public int EndOf(int index) => ends[index];

    /// <summary>The original range of normalized units [start, end), which must not be empty.</summary>
    public (int Start, int End) Original(int start, int end) => (starts[start], ends[end - 1]);

    public void Clear() => Length = 0;

    /// <summary>Starts over with <paramref name="text"/>[start, end) unchanged: each code point aligned to itself.</summary>
    public void SetOriginal(string text, int start, int end)
    {
        Clear();
        Reserve(end - start);
        for (int i = start; i < end; i++)
        {
            int width = char.IsHighSurrogate(text[i]) && i + 1 < end && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            for (int k = 0; k < width; k++)
            {
                chars[Length] = text[i + k];
                starts[Length] = i;
                ends[Length++] = i + width;
            }
            i += width - 1;
        }
    }

    public void Append(char c, int start, int end)
    {
        if (Length == chars.Length)
            Reserve(1);
        chars[Length] = c;
        starts[Length] = start;
        ends[Length++] = end;
    }

    public void AppendCodePoint(int cp, int start, int end)
    {
        if (cp < 0x10000)
        {
            Append((char)cp, start, end);
            return;
        }
        cp -= 0x10000;
        Append((char)(0xD800 + (cp >> 10)), start, end);
        Append((char)(0xDC00 + (cp & 0x3FF)), start, end);
    }

    /// <summary>The code point at <paramref name="index"/> and how many units it takes (a lone surrogate is itself).</summary>
    public int CodePointAt(int index, out int width)
    {
        char c = chars[index];
        if (char.IsHighSurrogate(c) && index + 1 < Length && char.IsLowSurrogate(chars[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, chars[index + 1]);
        }
        width = 1;
        return c;
    }

    public override string ToString() => new(Chars);

    private void Reserve(int extra)
    {
        if (Length + extra <= chars.Length)
            return;
        int size = Math.Max(chars.Length * 2, Length + extra);
        Array.Resize(ref chars, size);
        Array.Resize(ref starts, size);
        Array.Resize(ref ends, size);
    }
}

/// <summary>
/// tokenizers' NormalizedString.transform: the target is written one code point at a time with a change, where
/// 0 takes the alignment of the next source code point (consuming it), -n also skips the n after it, and +1 inserts
/// with the alignment of the last consumed one ((0, 0) before any).
/// </summary>
internal struct AlignedWriter(NormalizedText source, NormalizedText target)
{
    private int read;

    public readonly bool AtEnd => read >= source.Length;

    /// <summary>Skips <paramref name="count"/> source code points (tokenizers' initial_offset).</summary>
    public void Skip(int count)
    {
        for (int i = 0; i < count && read < source.Length; i++)
        {
            source.CodePointAt(read, out int width);
            read += width;
        }
    }

    public void Write(int cp, int change)
    {
        if (change > 0)
        {
            var (start, end) = read == 0 ? (0, 0) : (source.StartOf(read - 1), source.EndOf(read - 1));
            target.AppendCodePoint(cp, start, end);
            return;
        }
        int at = Math.Min(read, source.Length - 1);
        target.AppendCodePoint(cp, source.StartOf(at), source.EndOf(at));
        Skip(1 - change);
    }
}
