namespace Kefu.Text;

/// <summary>Convenience entry points over <see cref="TextAnalyzer"/> for code that is not on a hot path.</summary>
public static class Tokenizer
{
    /// <summary>Tokens of <paramref name="text"/> with normalized text and offsets into the original.</summary>
    public static IReadOnlyList<Token> Tokenize(string text)
    {
        var analyzer = TextAnalyzer.Shared;
        analyzer.Analyze(text);
        var result = new Token[analyzer.TokenCount];
        for (int i = 0; i < result.Length; i++)
        {
            var t = analyzer.Tokens[i];
            result[i] = new Token(analyzer.TokenText(t).ToString(), t.Start, t.End, t.Kind);
        }
        return result;
    }

    /// <summary>NFKC-style compatibility folding (full-width to half-width, ligatures...) and lower-casing.</summary>
    public static string Normalize(string text)
    {
        var analyzer = TextAnalyzer.Shared;
        analyzer.Analyze(text);
        return analyzer.Normalized.ToString();
    }
}
