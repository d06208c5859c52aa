using Kefu.Text;

namespace Kefu.Nlu.Entities;

/// <summary>
/// Hashed features of one token for the entity CRF: its text, shape, prefixes and suffixes, kind,
/// neighbours (two each side) and neighbour bigrams (which make CJK character context), and the
/// regex / lookup patterns whose matches cover it.
/// </summary>
internal static class EntityFeatures
{
    const ulong Prime = 1099511628211UL;
    enum Template : byte { Bias, Word, Prefix, Suffix, Shape, Kind, Left, Right, Left2, Right2, BigramLeft, BigramRight, Pattern, Length, Sentence }

    static ulong Key(Template template, int variant, ReadOnlySpan<char> text, ReadOnlySpan<char> second = default)
    {
        ulong h = 14695981039346656037UL ^ ((ulong)template << 8 | (uint)variant);
        h *= Prime;
        foreach (char c in text) h = (h ^ c) * Prime;
        h = (h ^ 0xFFFF) * Prime;
        foreach (char c in second) h = (h ^ c) * Prime;
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL; h ^= h >> 33;
        return h;
    }

    /// <summary>Appends the feature keys of token <paramref name="t"/>.</summary>
    public static void Emit(TextAnalyzer analyzer, ReadOnlySpan<char> original, int t,
        IReadOnlyList<(string Name, int Start, int End)> matches, List<ulong> keys)
    {
        var tokens = analyzer.Tokens;
        var token = tokens[t];
        var text = analyzer.TokenText(token);
        keys.Add(Key(Template.Bias, 0, default));
        keys.Add(Key(Template.Word, 0, text));
        keys.Add(Key(Template.Kind, (int)token.Kind, default));
        keys.Add(Key(Template.Length, Math.Min(text.Length, 8), default));
        Span<char> shape = stackalloc char[16];
        keys.Add(Key(Template.Shape, 0, Shape(original[token.Start..token.End], shape)));
        if (token.Kind is TokenKind.Word or TokenKind.Number)
            for (int n = 1; n <= 3 && n < text.Length; n++)
            {
                keys.Add(Key(Template.Prefix, n, text[..n]));
                keys.Add(Key(Template.Suffix, n, text[^n..]));
            }
        var left = t > 0 ? analyzer.TokenText(tokens[t - 1]) : "<s>";
        var right = t + 1 < tokens.Length ? analyzer.TokenText(tokens[t + 1]) : "</s>";
        keys.Add(Key(Template.Left, 0, left));
        keys.Add(Key(Template.Right, 0, right));
        keys.Add(Key(Template.Left2, 0, t > 1 ? analyzer.TokenText(tokens[t - 2]) : "<s>"));
        keys.Add(Key(Template.Right2, 0, t + 2 < tokens.Length ? analyzer.TokenText(tokens[t + 2]) : "</s>"));
        keys.Add(Key(Template.BigramLeft, 0, left, text));
        keys.Add(Key(Template.BigramRight, 0, text, right));
        foreach (var (name, start, end) in matches)
        {
            if (token.End <= start || token.Start >= end) continue;
            int position = token.Start <= start ? 0 : token.End >= end ? 2 : 1; // begins, ends or inside a match
            keys.Add(Key(Template.Pattern, position, name));
        }
    }

    /// <summary>
    /// The message's own words as features every token shares (<see cref="CrfOptions.SentenceFeatures"/>): its Latin words and
    /// numbers, and its CJK character bigrams (酒店 in a message about hotels), so a tag can depend on what the whole message
    /// is about, not only on a window of two tokens each side. Written to <paramref name="keys"/>, distinct.
    /// </summary>
    public static void EmitSentence(TextAnalyzer analyzer, List<ulong> keys)
    {
        keys.Clear();
        var tokens = analyzer.Tokens;
        for (int t = 0; t < tokens.Length; t++)
        {
            var text = analyzer.TokenText(tokens[t]);
            bool cjk = text.Length == 1 && TextAnalyzer.IsCjk(text[0]);
            if (!cjk)
                keys.Add(Key(Template.Sentence, 0, text));
            else if (t + 1 < tokens.Length && analyzer.TokenText(tokens[t + 1]) is [var next] && TextAnalyzer.IsCjk(next) &&
                     tokens[t + 1].Start == tokens[t].End)
                keys.Add(Key(Template.Sentence, 1, text, [next]));
        }
        keys.Sort();
        int n = 0;
        for (int i = 0; i < keys.Count; i++)
            if (i == 0 || keys[i] != keys[i - 1]) keys[n++] = keys[i];
        keys.RemoveRange(n, keys.Count - n);
    }

    /// <summary>Word shape with runs collapsed: "iPhone15" → "xXxd", "ABC-12" → "X-d", "退" → "C".</summary>
    static ReadOnlySpan<char> Shape(ReadOnlySpan<char> original, Span<char> buffer)
    {
        int n = 0;
        foreach (char c in original)
        {
            char s = char.IsUpper(c) ? 'X' : char.IsLower(c) ? 'x' : char.IsDigit(c) ? 'd'
                : TextAnalyzer.IsCjk(c) ? 'C' : char.IsLetter(c) ? 'l' : c;
            if (n > 0 && buffer[n - 1] == s) continue;
            if (n == buffer.Length) break;
            buffer[n++] = s;
        }
        return buffer[..n];
    }
}
