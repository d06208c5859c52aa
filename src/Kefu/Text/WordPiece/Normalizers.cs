namespace Kefu.Text.WordPiece;

/// <summary>
/// One step of a tokenizers normalizer: rewrites <c>source</c> into <c>target</c>, carrying each unit's original range
/// the way tokenizers' NormalizedString does, so that offsets of the tokens map back to the caller's text.
/// </summary>
internal abstract class NormalizerStep
{
    public abstract void Apply(NormalizedText source, NormalizedText target);

    /// <summary>Runs <paramref name="steps"/> in turn, ping-ponging between the two buffers; returns the one holding the result.</summary>
    public static NormalizedText Run(NormalizerStep[] steps, NormalizedText text, NormalizedText spare)
    {
        foreach (var step in steps)
        {
            spare.Clear();
            step.Apply(text, spare);
            (text, spare) = (spare, text);
        }
        return text;
    }

    /// <summary>tokenizers' BertNormalizer as steps: clean and CJK spacing, then NFD and mark removal, then lower case.</summary>
    public static IEnumerable<NormalizerStep> Bert(bool cleanText, bool splitChinese, bool stripAccents, bool lowerCase)
    {
        if (cleanText || splitChinese)
            yield return new BertCleanStep(cleanText, splitChinese);
        if (stripAccents)
            yield return new UnicodeFormStep(compose: false, compatibility: false);
        if (stripAccents || lowerCase)
            yield return new MarksAndCaseStep(stripAccents, lowerCase);
    }
}

/// <summary>
/// BertNormalizer's clean_text (drop NUL, U+FFFD and tokenizers' Cc/Cf/Co; whitespace to ' ') and handle_chinese_chars
/// (a space either side of each CJK ideograph; all three units keep the ideograph's range).
/// </summary>
internal sealed class BertCleanStep(bool clean, bool splitChinese) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        for (int i = 0, width; i < source.Length; i += width)
        {
            int cp = source.CodePointAt(i, out width);
            int start = source.StartOf(i), end = source.EndOf(i);
            if (clean)
            {
                if (BertCharacters.IsRemovedByClean(cp))
                    continue;
                if (BertCharacters.IsCleanSpace(cp))
                    cp = ' ';
            }
            if (splitChinese && cp >= 0x3400 && BertCharacters.IsCjk(cp))
            {
                target.Append(' ', start, end);
                target.AppendCodePoint(cp, start, end);
                target.Append(' ', start, end);
            }
            else
            {
                target.AppendCodePoint(cp, start, end);
            }
        }
    }
}

/// <summary>Drops tokenizers' non-spacing marks (StripAccents, or BertNormalizer after its NFD) and/or lower-cases (Lowercase).</summary>
internal sealed class MarksAndCaseStep(bool dropMarks, bool lowerCase) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        for (int i = 0, width; i < source.Length; i += width)
        {
            int cp = source.CodePointAt(i, out width);
            int start = source.StartOf(i), end = source.EndOf(i);
            if (cp < 0x80)
            {
                target.Append(lowerCase && cp is >= 'A' and <= 'Z' ? (char)(cp + 32) : (char)cp, start, end);
                continue;
            }
            if (dropMarks && BertCharacters.IsNonSpacingMark(cp))
                continue;
            if (!lowerCase)
            {
                target.AppendCodePoint(cp, start, end);
                continue;
            }
            // a second lower-case code point is inserted (+1): it shares the range of the one before
            target.AppendCodePoint(BertCharacters.ToLower(cp, out int second), start, end);
            if (second >= 0)
                target.AppendCodePoint(second, start, end);
        }
    }
}

/// <summary>NFD, NFC, NFKD or NFKC with tokenizers' alignments (see <see cref="UnicodeNormalization"/>).</summary>
internal sealed class UnicodeFormStep(bool compose, bool compatibility) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        // below U+00A0 nothing decomposes, composes or has a combining class
        if (!source.Chars.ContainsAnyExceptInRange('\0', '\u009F'))
        {
            for (int i = 0; i < source.Length; i++)
                target.Append(source[i], source.StartOf(i), source.EndOf(i));
            return;
        }
        UnicodeNormalization.Normalize(source, target, compose, compatibility);
    }
}

/// <summary>tokenizers' Strip normalizer: removes leading and/or trailing whitespace (Rust's char::is_whitespace).</summary>
internal sealed class StripStep(bool left, bool right) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        int start = 0, end = source.Length;
        if (left)
        {
            while (start < end && BertCharacters.IsWhitespace(source.CodePointAt(start, out int width)))
                start += width;
        }
        if (right)
        {
            while (end > start && IsWhitespaceBefore(source, end, out int width))
                end -= width;
        }
        for (int i = start; i < end; i++)
            target.Append(source[i], source.StartOf(i), source.EndOf(i));
    }

    private static bool IsWhitespaceBefore(NormalizedText text, int end, out int width)
    {
        width = end >= 2 && char.IsLowSurrogate(text[end - 1]) && char.IsHighSurrogate(text[end - 2]) ? 2 : 1;
        return BertCharacters.IsWhitespace(text.CodePointAt(end - width, out _));
    }
}

/// <summary>tokenizers' Prepend normalizer: the prefix and the first character all take the first character's range.</summary>
internal sealed class PrependStep(string prefix) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        if (source.Length > 0)
        {
            foreach (char c in prefix)
                target.Append(c, source.StartOf(0), source.EndOf(0));
        }
        for (int i = 0; i < source.Length; i++)
            target.Append(source[i], source.StartOf(i), source.EndOf(i));
    }
}

/// <summary>
/// tokenizers' Replace normalizer with a literal pattern: leftmost non-overlapping matches are replaced; the
/// replacement's units are inserted after the removed match and so take the range of its last unit.
/// </summary>
internal sealed class ReplaceStep(string pattern, string content) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        var text = source.Chars;
        int i = 0;
        while (i < source.Length)
        {
            int at = text[i..].IndexOf(pattern, StringComparison.Ordinal);
            int stop = at < 0 ? source.Length : i + at;
            for (; i < stop; i++)
                target.Append(source[i], source.StartOf(i), source.EndOf(i));
            if (at < 0)
                break;
            int last = i + pattern.Length - 1;
            foreach (char c in content)
                target.Append(c, source.StartOf(last), source.EndOf(last));
            i += pattern.Length;
        }
    }
}
