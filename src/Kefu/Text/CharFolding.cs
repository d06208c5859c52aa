using System.Text;

namespace Kefu.Text;

/// <summary>
/// The compatibility folding Kefu applies to one character: the NFKC mappings that matter for chat text
/// (full-width ASCII, ideographic space, ligatures, circled and super/subscript digits, Latin accents
/// composed) followed by Unicode lower-casing. Hand-written because the runtime runs with invariant
/// globalization, where string.Normalize leaves non-ASCII text unchanged.
/// </summary>
internal static class CharFolding
{
    static readonly Dictionary<int, string> Compatibility = BuildCompatibility();
    static readonly Dictionary<(char Base, char Mark), char> Compositions = BuildCompositions();

    /// <summary>Writes the folded form of <paramref name="rune"/> to <paramref name="destination"/>; returns the chars written (≤ 4).</summary>
    public static int Fold(Rune rune, Span<char> destination)
    {
        int v = rune.Value;
        if (v < 0x80)
        {
            destination[0] = v is >= 'A' and <= 'Z' ? (char)(v + 32) : (char)v;
            return 1;
        }
        if (v is >= 0xFF01 and <= 0xFF5E) // full-width ASCII variants
            return Fold(new Rune(v - 0xFEE0), destination);
        if (v is 0x3000 or 0x00A0 or 0x2007 or 0x202F)
        {
            destination[0] = ' ';
            return 1;
        }
        if (Compatibility.TryGetValue(v, out var mapped))
        {
            mapped.AsSpan().CopyTo(destination);
            return mapped.Length;
        }
        return Rune.ToLowerInvariant(rune).EncodeToUtf16(destination);
    }

    /// <summary>The precomposed letter for a lower-case base followed by a combining mark, or '\0'.</summary>
    public static char Compose(char baseChar, char mark) =>
        Compositions.TryGetValue((baseChar, mark), out var c) ? c : '\0';

    static Dictionary<int, string> BuildCompatibility()
    {
        var map = new Dictionary<int, string>
        {
            [0xFB00] = "ff", [0xFB01] = "fi", [0xFB02] = "fl", [0xFB03] = "ffi", [0xFB04] = "ffl",
            [0xFB05] = "st", [0xFB06] = "st", [0x2026] = "...", [0x2122] = "tm", [0x2103] = "°c",
            [0x2109] = "°f", [0x00B9] = "1", [0x00B2] = "2", [0x00B3] = "3", [0x2070] = "0",
            [0xFFE0] = "¢", [0xFFE1] = "£", [0xFFE2] = "¬", [0xFFE5] = "¥", [0xFFE6] = "₩",
            [0x3002] = "。", [0xFF61] = "。", [0xFF64] = "、", [0x2024] = ".", [0x00B5] = "μ",
        };
        for (int d = 4; d <= 9; d++) map[0x2070 + d] = d.ToString();        // ⁴..⁹
        for (int d = 0; d <= 9; d++) map[0x2080 + d] = d.ToString();        // ₀..₉
        for (int n = 1; n <= 20; n++) map[0x2460 + n - 1] = n.ToString();   // ①..⑳
        for (int n = 1; n <= 12; n++) map[0x2160 + n - 1] = RomanNumeral(n); // Ⅰ..Ⅻ
        for (int n = 1; n <= 12; n++) map[0x2170 + n - 1] = RomanNumeral(n); // ⅰ..ⅻ
        return map;
    }

    static string RomanNumeral(int n) =>
        new[] { "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii" }[n - 1];

    static Dictionary<(char, char), char> BuildCompositions()
    {
        // mark, bases, precomposed results in the same order
        (char Mark, string Bases, string Composed)[] rows =
        [
            ('\u0300', "aeiou", "àèìòù"),
            ('\u0301', "aeiouycnszg", "áéíóúýćńśźǵ"),
            ('\u0302', "aeiou", "âêîôû"),
            ('\u0303', "aoni", "ãõñĩ"),
            ('\u0308', "aeiouy", "äëïöüÿ"),
            ('\u030A', "au", "åů"),
            ('\u0327', "cs", "çş"),
            ('\u030C', "cszernd", "čšžěřňď"),
            ('\u0304', "aeiou", "āēīōū"),
        ];
        var map = new Dictionary<(char, char), char>();
        foreach (var (mark, bases, composed) in rows)
            for (int i = 0; i < bases.Length; i++)
                map[(bases[i], mark)] = composed[i];
        return map;
    }
}
