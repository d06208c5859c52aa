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

    [Fact]
    public void The_top_k_are_the_k_best_scores_of_every_document_that_has_a_query_term()
    {
        // Zipf-like term frequencies: a few terms in most documents (as common characters are), many rare ones
        var random = new Random(7);
        string Term() => $"t{(int)Math.Floor(Math.Pow(300, random.NextDouble()))}";
        var docs = Enumerable.Range(0, 2000).Select(_ =>
        {
            var d = new Dictionary<string, int>();
            for (int i = random.Next(3, 30); i > 0; i--) { var t = Term(); d[t] = d.GetValueOrDefault(t) + 1; }
            return (IReadOnlyDictionary<string, int>)d;
        }).ToList();
        var index = new Bm25Index(docs);
        float avgdl = (float)docs.Average(d => d.Values.Sum());
        var df = docs.SelectMany(d => d.Keys).CountBy(t => t).ToDictionary();
        foreach (int k in new[] { 1, 10, 100 })
            for (int q = 0; q < 50; q++)
            {
                string[] query = [.. Enumerable.Range(0, random.Next(1, 25)).Select(_ => Term()), "unknown"];
                // the formula, document by document (query terms in order, repeats counted)
                var all = docs.Select((d, i) => (Document: i, Score: query.Where(d.ContainsKey).Aggregate(0f, (sum, t) =>
                {
                    float idf = MathF.Log(1 + (docs.Count - df[t] + 0.5f) / (df[t] + 0.5f)), tf = d[t];
                    return sum + idf * (tf * 2.2f / (tf + 1.2f * (0.25f + 0.75f * d.Values.Sum() / avgdl)));
                }))).Where(x => x.Score > 0).OrderByDescending(x => x.Score).ToList();

                var top = index.Search(query, k);

                Assert.Equal(Math.Min(k, all.Count), top.Count);
                for (int i = 0; i < top.Count; i++)
                {
                    Assert.Equal(all[i].Score, top[i].Score, 1e-4f);
                    Assert.Equal(all.First(x => x.Document == top[i].Document).Score, top[i].Score, 1e-4f);
                }
            }
    }
}
