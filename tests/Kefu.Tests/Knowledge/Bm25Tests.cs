using Kefu.Knowledge;

namespace Kefu.Tests.Knowledge;

public class Bm25Tests
{
    [Fact]
    public void Scores_follow_the_okapi_formula()
    {
        var docs = new List<IReadOnlyDictionary<string, int>>
        {
            new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 },
            new Dictionary<string, int> { ["b"] = 1, ["c"] = 3 },
            new Dictionary<string, int> { ["c"] = 1 },
        };
        var index = new Bm25Index(docs);
        // Document 0 for "a": N = 3, df = 1, |d| = 3, avgdl = 8/3.
        float idf = MathF.Log(1 + (3 - 1 + 0.5f) / (1 + 0.5f));
        float expected = idf * 2 * 2.2f / (2 + 1.2f * (0.25f + 0.75f * 3 / (8f / 3)));
        var hit = Assert.Single(index.Search(["a"], 5));
        Assert.Equal(0, hit.Document);
        Assert.Equal(expected, hit.Score, 5);
        Assert.Equal([1, 2], index.Search(["c"], 5).Select(h => h.Document));
        Assert.Empty(index.Search(["zzz"], 5));
        Assert.Equal(idf * 2.2f, index.UpperBound(["a", "zzz"]), 5);
    }

    [Fact]
    public void Chinese_terms_are_bigrams_and_jieba_words_english_terms_are_stemmed_words()
    {
        Assert.Equal(["运费", "费怎", "怎么", "么算", "#运费", "#怎么"], KbTerms.Terms("运费怎么算"));
        Assert.Equal(["refund", "order"], KbTerms.Terms("How do I get refunds for my orders?").Where(t => t is "refund" or "order"));
        Assert.DoesNotContain("the", KbTerms.Terms("the refund"));
    }
}
