using System.Globalization;
using System.Text;

namespace Kefu.Text.WordPiece;

/// <summary>
/// BERT's basic tokenization, as Hugging Face's BasicTokenizer: drop control characters and map whitespace to spaces,
/// put spaces around CJK ideographs, NFC, split on whitespace, lower-case and strip accents (NFD, drop Mn) per word,
/// then split every punctuation character into its own token.
/// </summary>
public sealed class BertBasicTokenizer
{
    public BertBasicTokenizer(bool lowerCase = true, bool? stripAccents = null, bool splitChineseCharacters = true)
    {
        LowerCase = lowerCase;
        StripAccents = stripAccents ?? lowerCase; // Hugging Face: unset follows lower-casing
        SplitChineseCharacters = splitChineseCharacters;
    }

    public bool LowerCase { get; }
    public bool StripAccents { get; }
    public bool SplitChineseCharacters { get; }

    public List<string> Tokenize(string text)
    {
        var spaced = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is 0 or 0xFFFD || IsControl(rune))
                continue;
            if (IsWhitespace(rune))
                spaced.Append(' ');
            else if (SplitChineseCharacters && IsCjk(rune.Value))
                spaced.Append(' ').Append(rune.ToString()).Append(' ');
            else
                spaced.Append(rune.ToString());
        }
        var tokens = new List<string>();
        foreach (string word in UnicodeNormalization.Nfc(spaced.ToString()).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string folded = LowerCase ? word.ToLowerInvariant() : word;
            if (StripAccents)
                folded = UnicodeNormalization.StripAccents(folded);
            SplitOnPunctuation(folded, tokens);
        }
        return tokens;
    }

    private static void SplitOnPunctuation(string word, List<string> tokens)
    {
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            var rune = Rune.GetRuneAt(word, i);
            if (IsPunctuation(rune))
            {
                if (i > start)
                    tokens.Add(word[start..i]);
                tokens.Add(rune.ToString());
                start = i + rune.Utf16SequenceLength;
            }
            i += rune.Utf16SequenceLength;
        }
        if (start < word.Length)
            tokens.Add(word[start..]);
    }

    // BERT's whitespace (\t \n \r and Zs), plus the line and paragraph separators Python's str.split also splits on
    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    // categories C* (Cc, Cf, Cs, Co, Cn), except the whitespace controls
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
            return false;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // all non-letter, non-digit ASCII printables count as punctuation (e.g. $, ^, `), plus the Unicode P* categories
    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
            return true;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // the CJK Unified Ideographs blocks BERT splits (not Hangul, Hiragana or Katakana)
    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
