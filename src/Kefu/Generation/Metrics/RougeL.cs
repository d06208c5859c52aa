using System.Text;

namespace Kefu.Generation.Metrics;

/// <summary>ROUGE-L of one hypothesis against its best reference: precision, recall and F1 of the longest common subsequence.</summary>
public readonly record struct RougeLScore(double Precision, double Recall, double F1);

/// <summary>
/// ROUGE-L (Lin, 2004) as Google's rouge-score computes it: P = LCS / |hypothesis|, R = LCS / |reference|,
/// F = 2PR / (P + R); with several references the one with the best F counts; the corpus figure is the mean F over
/// segments. Tokens: text lowercased, every CJK character a token of its own (character-level for Chinese, where
/// rouge-score's ASCII tokenizer would drop everything), runs of other letters and digits one token each; punctuation
/// and spaces only separate.
/// </summary>
public static class RougeL
{
    public static IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        void Flush()
        {
            if (word.Length > 0)
                tokens.Add(word.ToString());
            word.Clear();
        }
        foreach (var rune in text.ToLowerInvariant().EnumerateRunes())
        {
            if (IsCjk(rune))
            {
                Flush();
                tokens.Add(rune.ToString());
            }
            else if (Rune.IsLetterOrDigit(rune))
                word.Append(rune.ToString());
            else
                Flush();
        }
        Flush();
        return tokens;
    }

    /// <summary>Han ideographs, kana and hangul: scripts written without spaces between words.</summary>
    public static bool IsCjk(Rune rune)
    {
        int v = rune.Value;
        return v is (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3134F)
            or (>= 0x3040 and <= 0x30FF) or (>= 0xAC00 and <= 0xD7AF);
    }

    public static RougeLScore Score(string hypothesis, IReadOnlyList<string> references)
    {
        if (references.Count == 0)
            throw new ArgumentException("ROUGE-L needs at least one reference.", nameof(references));
        var hyp = Tokenize(hypothesis);
        return references.Select(r => Score(hyp, Tokenize(r))).MaxBy(s => s.F1);
    }

    public static RougeLScore Score(IReadOnlyList<string> hypothesis, IReadOnlyList<string> reference)
    {
        if (hypothesis.Count == 0 || reference.Count == 0)
            return new RougeLScore(0, 0, 0);
        int lcs = LcsLength(hypothesis, reference);
        double p = (double)lcs / hypothesis.Count, r = (double)lcs / reference.Count;
        return new RougeLScore(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    }

    /// <summary>Mean F1 over segments.</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"{hypotheses.Count} hypotheses but {references.Count} reference sets.");
        return hypotheses.Count == 0 ? 0 : hypotheses.Select((h, i) => Score(h, references[i]).F1).Average();
    }

    /// <summary>Length of the longest common subsequence, one DP row at a time: O(|a|·|b|) time, O(|b|) memory.</summary>
    public static int LcsLength(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            for (int j = 1; j <= b.Count; j++)
                current[j] = string.Equals(a[i - 1], b[j - 1], StringComparison.Ordinal) ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }

}
