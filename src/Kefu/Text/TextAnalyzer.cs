using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kefu.Text;

/// <summary>
/// Normalizes and tokenizes one text at a time into reusable buffers, so featurizing a query allocates
/// nothing once the buffers have grown. Not thread-safe: use one per thread (see <see cref="Shared"/>).
/// Works per grapheme cluster of the original text: each cluster is folded (<see cref="CharFolding"/>),
/// and every normalized char remembers the cluster it came from, so token offsets map back exactly.
/// </summary>
public sealed class TextAnalyzer
{
    [ThreadStatic] static TextAnalyzer? shared;

    /// <summary>An analyzer for the calling thread.</summary>
    public static TextAnalyzer Shared => shared ??= new TextAnalyzer();

    char[] normalized = new char[256];
    int[] clusterStart = new int[256];   // normalized index -> start of its cluster in the original
    int[] clusterEnd = new int[256];     // normalized index -> end of its cluster in the original
    TokenSpan[] tokens = new TokenSpan[64];

    public int NormalizedLength { get; private set; }
    public int TokenCount { get; private set; }
    public ReadOnlySpan<char> Normalized => normalized.AsSpan(0, NormalizedLength);
    public ReadOnlySpan<TokenSpan> Tokens => tokens.AsSpan(0, TokenCount);
    public ReadOnlySpan<char> TokenText(in TokenSpan token) =>
        normalized.AsSpan(token.NormalizedStart, token.NormalizedLength);

    /// <summary>Normalizes <paramref name="text"/> and cuts it into tokens, replacing the previous result.</summary>
    public void Analyze(ReadOnlySpan<char> text)
    {
        EnsureCapacity(text.Length * 4 + 4);
        NormalizedLength = 0;
        TokenCount = 0;
        var open = OpenToken.None;
        int openStart = 0, openNormStart = 0;
        Span<char> folded = stackalloc char[64];

        int i = 0;
        while (i < text.Length)
        {
            int length = ClusterLength(text, i);
            int foldedLength = FoldCluster(text.Slice(i, length), folded);
            var cls = Classify(folded[..foldedLength], text.Slice(i, length));

            bool continues = open != OpenToken.None && cls switch
            {
                CharClass.Letter or CharClass.Digit => true,
                CharClass.Apostrophe => open == OpenToken.Word && NextIsLetter(text, i + length),
                CharClass.DecimalPoint => open == OpenToken.Number && NextIsDigit(text, i + length),
                _ => false,
            };
            if (!continues && open != OpenToken.None)
            {
                AddToken(openStart, i, openNormStart, NormalizedLength,
                    open == OpenToken.Number ? TokenKind.Number : TokenKind.Word);
                open = OpenToken.None;
            }

            int normStart = NormalizedLength;
            for (int k = 0; k < foldedLength; k++)
            {
                normalized[NormalizedLength] = folded[k];
                clusterStart[NormalizedLength] = i;
                clusterEnd[NormalizedLength] = i + length;
                NormalizedLength++;
            }

            if (continues)
            {
                if (cls == CharClass.Letter) open = OpenToken.Word;
            }
            else
            {
                switch (cls)
                {
                    case CharClass.Letter:
                    case CharClass.Digit:
                        open = cls == CharClass.Digit ? OpenToken.Number : OpenToken.Word;
                        openStart = i;
                        openNormStart = normStart;
                        break;
                    case CharClass.Cjk: AddToken(i, i + length, normStart, NormalizedLength, TokenKind.Cjk); break;
                    case CharClass.Emoji: AddToken(i, i + length, normStart, NormalizedLength, TokenKind.Emoji); break;
                    case CharClass.Punctuation:
                    case CharClass.Apostrophe:
                    case CharClass.DecimalPoint:
                        AddToken(i, i + length, normStart, NormalizedLength, TokenKind.Punctuation); break;
                    case CharClass.Symbol: AddToken(i, i + length, normStart, NormalizedLength, TokenKind.Symbol); break;
                }
            }
            i += length;
        }
        if (open != OpenToken.None)
            AddToken(openStart, text.Length, openNormStart, NormalizedLength,
                open == OpenToken.Number ? TokenKind.Number : TokenKind.Word);
    }

    /// <summary>Maps a normalized range back to the original text, widened to whole grapheme clusters.</summary>
    public (int Start, int End) ToOriginal(int normalizedStart, int normalizedEnd) =>
        normalizedEnd <= normalizedStart
            ? (clusterStart[normalizedStart], clusterStart[normalizedStart])
            : (clusterStart[normalizedStart], clusterEnd[normalizedEnd - 1]);

    enum OpenToken : byte { None, Word, Number }
    enum CharClass : byte { Space, Letter, Digit, Cjk, Emoji, Punctuation, Apostrophe, DecimalPoint, Symbol }

    static int ClusterLength(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c < 0x80 && c != '\r' && (i + 1 == text.Length || text[i + 1] < 0x80)) return 1;
        int length = StringInfo.GetNextTextElementLength(text[i..]);
        return Math.Max(length, 1);
    }

    static int FoldCluster(ReadOnlySpan<char> cluster, Span<char> destination)
    {
        int written = 0;
        int j = 0;
        while (j < cluster.Length && written < destination.Length - 4)
        {
            if (Rune.DecodeFromUtf16(cluster[j..], out var rune, out int consumed) != OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = 1;
            }
            int n = CharFolding.Fold(rune, destination[written..]);
            if (n == 1 && written > 0 && IsCombiningMark(rune))
            {
                char composed = CharFolding.Compose(destination[written - 1], destination[written]);
                if (composed != '\0')
                {
                    destination[written - 1] = composed;
                    n = 0;
                }
            }
            written += n;
            j += consumed;
        }
        return written;
    }

    static bool IsCombiningMark(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    static CharClass Classify(ReadOnlySpan<char> folded, ReadOnlySpan<char> original)
    {
        if (folded.IsEmpty) return CharClass.Space;
        char c = folded[0];
        if (c < 0x80)
        {
            if (original.Length > 1 && IsEmojiCluster(original)) return CharClass.Emoji; // keycaps: 1️⃣
            if (c is >= 'a' and <= 'z') return CharClass.Letter;
            if (c is >= '0' and <= '9') return CharClass.Digit;
            if (c <= ' ' || c == 0x7F) return CharClass.Space;
            if (c == '\'') return CharClass.Apostrophe;
            if (c is '.' or ',') return CharClass.DecimalPoint;
            if (c is '$' or '+' or '<' or '=' or '>' or '^' or '`' or '|' or '~') return CharClass.Symbol;
            return CharClass.Punctuation;
        }
        if (Rune.DecodeFromUtf16(folded, out var rune, out _) != OperationStatus.Done) return CharClass.Symbol;
        if (IsCjk(rune.Value)) return CharClass.Cjk;
        if (IsEmojiCluster(original)) return CharClass.Emoji;
        if (c == '\u2019') return CharClass.Apostrophe;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.EnclosingMark or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber => CharClass.Digit,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Control or UnicodeCategory.Format => CharClass.Space,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => CharClass.Symbol,
            _ => CharClass.Punctuation,
        };
    }

    /// <summary>Han (with extensions and compatibility ideographs), kana and bopomofo: one token per character.</summary>
    public static bool IsCjk(int codePoint) => codePoint is
        (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x3FFFF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0x3040 and <= 0x30FF) or (>= 0x3100 and <= 0x312F)
        or (>= 0x31F0 and <= 0x31FF) or 0x3005 or 0x3007;

    static bool IsEmojiCluster(ReadOnlySpan<char> cluster)
    {
        for (int j = 0; j < cluster.Length; j++)
        {
            char c = cluster[j];
            if (c is '\u200D' or '\uFE0F' or '\u20E3') return true;
            if (char.IsHighSurrogate(c) && j + 1 < cluster.Length)
            {
                int cp = char.ConvertToUtf32(c, cluster[j + 1]);
                if (cp is >= 0x1F000 and <= 0x1FAFF) return true;
            }
            else if (c is >= '\u2600' and <= '\u27BF' or >= '\u2B00' and <= '\u2BFF' or '\u231A' or '\u231B'
                     or '\u23F0' or '\u23F3' or '\u2194' or '\u21A9')
            {
                return true;
            }
        }
        return false;
    }

    static bool NextIsLetter(ReadOnlySpan<char> text, int i) => i < text.Length && char.IsLetter(text[i]);

    static bool NextIsDigit(ReadOnlySpan<char> text, int i) =>
        i < text.Length && (char.IsDigit(text[i]) || text[i] is >= '\uFF10' and <= '\uFF19');

    void AddToken(int start, int end, int normStart, int normEnd, TokenKind kind)
    {
        if (TokenCount == tokens.Length) Array.Resize(ref tokens, tokens.Length * 2);
        tokens[TokenCount++] = new TokenSpan(start, end, normStart, normEnd, kind);
    }

    void EnsureCapacity(int chars)
    {
        if (normalized.Length >= chars) return;
        int size = Math.Max(chars, normalized.Length * 2);
        normalized = new char[size];
        clusterStart = new int[size];
        clusterEnd = new int[size];
    }
}
