using System.Buffers;

namespace Kefu.Text.WordPiece;

/// <summary>
/// A token matched whole in the text before the model sees it (tokenizer.json's added_tokens, tokenizer_config.json's
/// added_tokens_decoder): [CLS], [MASK] and the like. <paramref name="Normalized"/> tokens are matched in the normalized
/// text, the others in the original; <paramref name="LeftStrip"/>/<paramref name="RightStrip"/> take in the whitespace
/// beside the match; a <paramref name="SingleWord"/> token matches only between non-word characters.
/// </summary>
public sealed record AddedToken(
    string Content,
    int Id,
    bool Special = true,
    bool SingleWord = false,
    bool LeftStrip = false,
    bool RightStrip = false,
    bool Normalized = false);

/// <summary>
/// tokenizers' AddedVocabulary.find_matches: leftmost-longest matches (the Aho-Corasick LeftmostLongest order), the
/// search going on after each raw match even when single_word discards it, then lstrip/rstrip widening.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Content, AddedToken Token)[]> byFirstChar = [];
    private readonly SearchValues<char> firstChars;

    /// <param name="tokens">Each token with the text it is matched as (its content, normalized when it is a normalized token).</param>
    public AddedTokenMatcher(IEnumerable<(string Content, AddedToken Token)> tokens)
    {
        foreach (var group in tokens.Where(t => t.Content.Length > 0).GroupBy(t => t.Content[0]))
            byFirstChar[group.Key] = [.. group.OrderByDescending(t => t.Content.Length)];
        firstChars = SearchValues.Create([.. byFirstChar.Keys]);
    }

    public bool IsEmpty => byFirstChar.Count == 0;

    /// <summary>Appends (Start, End, Id) of each match in <paramref name="text"/>, in order and not overlapping.</summary>
    public void FindMatches(ReadOnlySpan<char> text, List<(int Start, int End, int Id)> output)
    {
        int taken = 0; // end of the last match kept, tokenizers' start_offset
        for (int i = 0; i < text.Length;)
        {
            int at = text[i..].IndexOfAny(firstChars);
            if (at < 0)
                break;
            int position = i + at;
            var match = Longest(text[position..]);
            if (match is null)
            {
                i = position + 1;
                continue;
            }
            int start = position, stop = position + match.Value.Content.Length;
            i = stop;
            var token = match.Value.Token;
            if (token.SingleWord && (EndsWithWord(text[..start]) || StartsWithWord(text[stop..])))
                continue;
            if (token.LeftStrip)
            {
                while (start > taken && IsWhitespaceBefore(text, start, out int width))
                    start -= width;
            }
            if (token.RightStrip)
            {
                while (stop < text.Length && BertCharacters.IsWhitespace(CodePointAt(text, stop, out int width)))
                    stop += width;
            }
            output.Add((Math.Max(start, taken), stop, token.Id));
            taken = stop;
        }
    }

    private (string Content, AddedToken Token)? Longest(ReadOnlySpan<char> text)
    {
        foreach (var candidate in byFirstChar[text[0]])
        {
            if (text.StartsWith(candidate.Content, StringComparison.Ordinal))
                return candidate;
        }
        return null;
    }

    // Rust regex's \w$ and ^\w
    private static bool EndsWithWord(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        int width = text.Length >= 2 && char.IsLowSurrogate(text[^1]) && char.IsHighSurrogate(text[^2]) ? 2 : 1;
        return BertCharacters.IsWord(CodePointAt(text, text.Length - width, out _));
    }

    private static bool StartsWithWord(ReadOnlySpan<char> text) => !text.IsEmpty && BertCharacters.IsWord(CodePointAt(text, 0, out _));

    private static bool IsWhitespaceBefore(ReadOnlySpan<char> text, int end, out int width)
    {
        width = end >= 2 && char.IsLowSurrogate(text[end - 1]) && char.IsHighSurrogate(text[end - 2]) ? 2 : 1;
        return BertCharacters.IsWhitespace(CodePointAt(text, end - width, out _));
    }

    private static int CodePointAt(ReadOnlySpan<char> text, int index, out int width)
    {
        if (char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(text[index], text[index + 1]);
        }
        width = 1;
        return text[index];
    }
}
