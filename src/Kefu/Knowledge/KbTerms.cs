using Kefu.Text;

namespace Kefu.Knowledge;

/// <summary>
/// The index terms of a text, the same for passages and queries. English and other spaced scripts: Kefu's tokens
/// (normalized, lower-cased), stop words dropped, a light suffix strip (plural, -ing, -ed) so "refunds" meets
/// "refund". Chinese: every character bigram of a CJK run (robust to unknown words and typos) plus Jieba's words of
/// two or more characters prefixed with '#' (a word match counts on top of its bigrams), and each character that is
/// not a function word (票 in 门票 meets 票 in 买票的地方). Bigrams of two function characters (怎么, 可以) are dropped.
/// </summary>
public static class KbTerms
{
    static readonly HashSet<string> stopWords =
    [
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "do", "does", "did", "i", "you", "my", "your", "me",
        "to", "of", "in", "on", "for", "and", "or", "it", "its", "can", "could", "would", "will", "how", "what", "with",
        "at", "by", "from", "this", "that", "there", "please", "we", "our", "us", "if", "am", "have", "has", "so",
    ];

    /// <summary>Chinese function characters: no unigram of their own, and no bigram of two of them (怎么, 什么, 可以).</summary>
    static readonly HashSet<char> stopChars = [.. "的了吗呢吧啊么呀是在有我你您他她它们这那个怎什么能可以要想请问和与或就都也还把被给"];

    public static List<string> Terms(string text)
    {
        var terms = new List<string>();
        var tokens = Tokenizer.Tokenize(text);
        var run = new System.Text.StringBuilder();
        foreach (var t in tokens)
        {
            if (t.Kind == TokenKind.Cjk) { run.Append(t.Text); continue; }
            FlushCjk(run, terms);
            if (t.Kind is TokenKind.Word or TokenKind.Number && !stopWords.Contains(t.Text)) terms.Add(Stem(t.Text));
        }
        FlushCjk(run, terms);
        return terms;
    }

    /// <summary>Term -> count, for a passage's stored term vector.</summary>
    public static Dictionary<string, int> Counts(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var term in Terms(text)) counts[term] = counts.GetValueOrDefault(term) + 1;
        return counts;
    }

    static void FlushCjk(System.Text.StringBuilder run, List<string> terms)
    {
        if (run.Length == 0) return;
        var s = run.ToString();
        run.Clear();
        foreach (char c in s) if (!stopChars.Contains(c)) terms.Add(c.ToString());
        for (int i = 0; i + 1 < s.Length; i++)
            if (!(stopChars.Contains(s[i]) && stopChars.Contains(s[i + 1]))) terms.Add(s.Substring(i, 2));
        foreach (var (start, end) in ChineseWords.Words(s)) terms.Add("#" + s[start..end]);
    }

    /// <summary>A deliberately small stemmer: enough for plurals and common verb forms, never shorter than 3 letters.</summary>
    internal static string Stem(string word)
    {
        if (word.Length > 5 && word.EndsWith("ing", StringComparison.Ordinal)) return word[..^3];
        if (word.Length > 4 && word.EndsWith("ed", StringComparison.Ordinal)) return word[..^2];
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal)) return word[..^3] + "y";
        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal)) return word[..^1];
        return word;
    }
}
