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
        // character bigrams, Jieba's words (#), and unigrams of content characters; function characters (怎, 么) get no
        // unigram, and a bigram of two of them (怎么) is dropped
        var terms = KbTerms.Terms("运费怎么算");
        Assert.Subset(terms.ToHashSet(), new HashSet<string> { "运", "费", "算", "运费", "费怎", "么算", "#运费" });
        Assert.DoesNotContain("怎么", terms);
        Assert.DoesNotContain("怎", terms);
        Assert.DoesNotContain("么", terms);
        Assert.Equal(["refund", "order"], KbTerms.Terms("How do I get refunds for my orders?").Where(t => t is "refund" or "order"));
        Assert.DoesNotContain("the", KbTerms.Terms("the refund"));
    }
}
