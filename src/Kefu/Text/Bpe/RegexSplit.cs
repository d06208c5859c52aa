using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Bpe;

/// <summary>
/// tokenizers' Split pre-tokenizer with a Regex pattern (pre_tokenizers/split.rs), and ByteLevel's use_regex split
/// (Isolated). tokenizers matches with Oniguruma over UTF-8, where \p{L} and \p{N} see whole code points; .NET's
/// Regex sees UTF-16 units, where both halves of a surrogate pair are category Cs, so "𠀀" (a letter) and "𝟏" (a digit)
/// would fall into [^\s\p{L}\p{N}]. A piece holding surrogate pairs is therefore matched through a stand-in string with
/// one BMP character of the same general category per code point (<see cref="StandIn"/>), and the match positions
/// mapped back. Patterns naming a supplementary character literally are not supported.
/// </summary>
internal sealed class RegexSplit(Regex regex, SplitBehavior behavior, bool invert) : PreTokenizerStep
{
    private static readonly ConcurrentDictionary<string, Regex> compiled = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static StandInBuffer? standIns;

    /// <summary>The pattern compiled once per process; an invalid one throws <see cref="ArgumentException"/>.</summary>
    public static Regex Compile(string pattern) =>
        pattern == ByteLevel.Gpt2Pattern
            ? ByteLevel.Gpt2Regex()
            : compiled.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled));

    public override void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output)
    {
        var state = new SplitState(output.Count);
        var chars = text.Chars[piece.Start..piece.End];
        int last = 0;
        if (!HasSurrogate(chars))
        {
            foreach (var match in regex.EnumerateMatches(chars))
            {
                if (match.Length == 0)
                    continue;
                Emit(output, piece.Start + last, piece.Start + match.Index, invert, behavior, ref state);
                Emit(output, piece.Start + match.Index, piece.Start + match.Index + match.Length, !invert, behavior, ref state);
                last = match.Index + match.Length;
            }
            Emit(output, piece.Start + last, piece.End, invert, behavior, ref state);
            return;
        }
        var buffer = standIns ??= new StandInBuffer();
        buffer.Fill(chars);
        foreach (var match in regex.EnumerateMatches(buffer.Text))
        {
            if (match.Length == 0)
                continue;
            int start = buffer.Units[match.Index], end = buffer.Units[match.Index + match.Length];
            Emit(output, piece.Start + last, piece.Start + start, invert, behavior, ref state);
            Emit(output, piece.Start + start, piece.Start + end, !invert, behavior, ref state);
            last = end;
        }
        Emit(output, piece.Start + last, piece.End, invert, behavior, ref state);
    }

    private static bool HasSurrogate(ReadOnlySpan<char> chars) => chars.ContainsAnyInRange('\uD800', '\uDFFF');

    /// <summary>A BMP character of the code point's general category (the code point itself when it is in the BMP).</summary>
    internal static char StandIn(int cp) => cp < 0x10000 ? (char)cp : CharUnicodeInfo.GetUnicodeCategory(cp) switch
    {
        UnicodeCategory.UppercaseLetter => 'A',
        UnicodeCategory.LowercaseLetter => 'a',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u4E00',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '0',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.MathSymbol => '+',
        UnicodeCategory.CurrencySymbol => '$',
        UnicodeCategory.ModifierSymbol => '^',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.ConnectorPunctuation => '_',
        UnicodeCategory.DashPunctuation => '-',
        UnicodeCategory.OpenPunctuation => '(',
        UnicodeCategory.ClosePunctuation => ')',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '#',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378', // unassigned
    };

    // one stand-in character per code point; Units[k] is the UTF-16 index of the k-th code point, Units[count] the length
    private sealed class StandInBuffer
    {
        private char[] text = new char[64];
        private int[] units = new int[65];
        private int count;

        public ReadOnlySpan<char> Text => text.AsSpan(0, count);

        public int[] Units => units;

        public void Fill(ReadOnlySpan<char> chars)
        {
            if (text.Length < chars.Length)
            {
                text = new char[chars.Length];
                units = new int[chars.Length + 1];
            }
            count = 0;
            for (int i = 0; i < chars.Length; count++)
            {
                units[count] = i;
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    text[count] = StandIn(char.ConvertToUtf32(chars[i], chars[i + 1]));
                    i += 2;
                }
                else
                {
                    text[count] = chars[i++];
                }
            }
            units[count] = chars.Length;
        }
    }
}
