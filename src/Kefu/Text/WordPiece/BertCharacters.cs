using System.Globalization;

namespace Kefu.Text.WordPiece;

/// <summary>
/// The character classes and lower-casing of Hugging Face's Rust tokenizers (see <see cref="BertCharacterData"/>),
/// by code point. Basic Multilingual Plane classes come from one flag byte each; the rest from binary search.
/// </summary>
internal static class BertCharacters
{
    [Flags]
    private enum Class : byte
    {
        Removed = 1,
        CleanSpace = 2,
        Whitespace = 4,
        Punctuation = 8,
        NonSpacingMark = 16,
        Word = 32,
        Numeric = 64,
    }

    private static readonly (int Start, int End)[][] Astral = new (int, int)[7][];
    private static readonly Class[] Bmp = Build();
    private static readonly Dictionary<int, int> LowerSingle = [];
    private const int DottedCapitalI = 0x130; // the one code point whose lower case is two: "i\u0307"

    static BertCharacters()
    {
        foreach (var entry in BertCharacterData.Lowercase.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int at = entry.IndexOf('=');
            int cp = Hex(entry[..at]);
            if (cp != DottedCapitalI)
                LowerSingle[cp] = Hex(entry[(at + 1)..]);
        }
    }

    public static bool IsRemovedByClean(int cp) => Has(cp, Class.Removed);
    public static bool IsCleanSpace(int cp) => Has(cp, Class.CleanSpace);
    public static bool IsWhitespace(int cp) => Has(cp, Class.Whitespace);
    public static bool IsPunctuation(int cp) => Has(cp, Class.Punctuation);
    public static bool IsNonSpacingMark(int cp) => Has(cp, Class.NonSpacingMark);
    public static bool IsWord(int cp) => Has(cp, Class.Word);
    public static bool IsNumeric(int cp) => Has(cp, Class.Numeric);

    /// <summary>The CJK ideograph blocks tokenizers' BertNormalizer surrounds with spaces (its list, not Python BERT's).</summary>
    public static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Rust's char::to_lowercase: the lower case, and a second code point (else -1) for U+0130 alone.</summary>
    public static int ToLower(int cp, out int second)
    {
        second = -1;
        if (cp < 0x80)
            return cp is >= 'A' and <= 'Z' ? cp + 32 : cp;
        if (cp == DottedCapitalI)
        {
            second = 0x307;
            return 'i';
        }
        return LowerSingle.TryGetValue(cp, out int lower) ? lower : cp;
    }

    private static bool Has(int cp, Class c)
    {
        if (cp < 0x10000)
            return (Bmp[cp] & c) != 0;
        var ranges = Astral[System.Numerics.BitOperations.TrailingZeroCount((uint)c)];
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[mid].Start)
                hi = mid - 1;
            else if (cp > ranges[mid].End)
                lo = mid + 1;
            else
                return true;
        }
        return false;
    }

    private static Class[] Build()
    {
        var bmp = new Class[0x10000];
        string[] tables = [BertCharacterData.Removed, BertCharacterData.CleanSpace, BertCharacterData.Whitespace, BertCharacterData.Punctuation,
            BertCharacterData.NonSpacingMark, BertCharacterData.Word, BertCharacterData.Numeric];
        for (int bit = 0; bit < tables.Length; bit++)
        {
            var astral = new List<(int, int)>();
            foreach (var entry in tables[bit].Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                int dash = entry.IndexOf('-');
                int start = Hex(dash < 0 ? entry : entry[..dash]), end = dash < 0 ? start : Hex(entry[(dash + 1)..]);
                for (int cp = start; cp <= Math.Min(end, 0xFFFF); cp++)
                    bmp[cp] |= (Class)(1 << bit);
                if (end > 0xFFFF)
                    astral.Add((Math.Max(start, 0x10000), end));
            }
            Astral[bit] = [.. astral];
        }
        return bmp;
    }

    private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
