namespace Kefu.Text;

public enum TokenKind : byte
{
    /// <summary>Letters, marks and digits of a space-separated script ("hello", "4g", "don't").</summary>
    Word,
    /// <summary>Digits only, with inner '.' or ',' ("42", "3.5", "1,000").</summary>
    Number,
    /// <summary>One Chinese character (or kana), each its own token.</summary>
    Cjk,
    /// <summary>One emoji grapheme cluster, ZWJ sequences and modifiers included.</summary>
    Emoji,
    Punctuation,
    Symbol,
}

/// <summary>
/// A token as spans: [Start, End) into the original text (UTF-16 offsets) and
/// [NormalizedStart, NormalizedEnd) into the normalized text it was cut from.
/// </summary>
public readonly record struct TokenSpan(int Start, int End, int NormalizedStart, int NormalizedEnd, TokenKind Kind)
{
    public int NormalizedLength => NormalizedEnd - NormalizedStart;
}

/// <summary>A token with its normalized text; Start/End are UTF-16 offsets into the original string, End exclusive.</summary>
public sealed record Token(string Text, int Start, int End, TokenKind Kind);
