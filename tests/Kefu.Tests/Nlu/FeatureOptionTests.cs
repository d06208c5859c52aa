using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Evaluation;
using Kefu.Nlu.Features;

namespace Kefu.Tests.Nlu;

public class FeatureOptionTests
{
    static readonly string[] Texts = ["where is my order", "track my order please", "refund my order", "i want a refund"];

    [Fact]
    public void Word_trigrams_add_one_feature_per_three_consecutive_words()
    {
        var words = new SparseFeatureConfig(WordTrigrams: false, CharNgramMin: 0, CharNgramMax: 0, MinDocumentFrequency: 1);
        var without = SparseVectorizer.Fit(Texts, words);
        var with = SparseVectorizer.Fit(Texts, words with { WordTrigrams = true });
        // "where is my", "is my order", "track my order", "my order please", "refund my order", "i want a", "want a refund"
        Assert.Equal(without.FeatureCount + 7, with.FeatureCount);
        var scratch = new VectorizerScratch();
        Assert.Equal(4 + 3, without.Transform("where is my order", scratch));
        Assert.Equal(4 + 3 + 2, with.Transform("where is my order", scratch));
    }

    [Fact]
    public void Trigrams_do_not_cross_punctuation()
    {
        var config = new SparseFeatureConfig(WordTrigrams: true, CharNgramMin: 0, CharNgramMax: 0, MinDocumentFrequency: 1);
        var split = SparseVectorizer.Fit(["where is, my order"], config);
        // words 4, bigrams "where is" and "my order", no trigram
        Assert.Equal(6, split.FeatureCount);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.5f)]
    [InlineData(2f)]
    public void Char_block_weight_is_the_norm_of_the_character_block(float weight)
    {
        var vectorizer = SparseVectorizer.Fit(Texts, new SparseFeatureConfig(CharBlockWeight: weight, MinDocumentFrequency: 1));
        var scratch = new VectorizerScratch();
        int n = vectorizer.Transform("track my order", scratch);
        double words = 0, chars = 0;
        for (int i = 0; i < n; i++)
        {
            double v = scratch.Values[i] * (double)scratch.Values[i];
            if ((vectorizer.Keys[scratch.Columns[i]] & 1UL) != 0) chars += v; else words += v;
        }
        Assert.Equal(1.0, Math.Sqrt(words), 4);
        Assert.Equal(weight, Math.Sqrt(chars), 4);
    }

    [Fact]
    public void Numbers_share_their_shape_so_unseen_digits_still_count()
    {
        var words = new SparseFeatureConfig(CharNgramMin: 0, CharNgramMax: 0, MinDocumentFrequency: 1);
        string[] texts = ["order 123456", "order 98765432"];
        var scratch = new VectorizerScratch();
        // "order" + the shared shape "dddd" (runs longer than four count as four); digits and bigrams are unseen
        Assert.Equal(2, SparseVectorizer.Fit(texts, words).Transform("order 556677", scratch));
        Assert.Equal(1, SparseVectorizer.Fit(texts, words with { NumberShapes = false }).Transform("order 556677", scratch));
        // "DD20241115077" has shape "XXdddd", not "dddd"
        Assert.Equal(1, SparseVectorizer.Fit(texts, words).Transform("order DD20241115077", scratch));
    }

    [Fact]
    public void Text_inside_a_pattern_match_is_one_placeholder_word()
    {
        var patterns = new EntityPatterns([new RegexFeature("order_id", [@"DD\d{11}"])], []);
        string[] texts = ["订单是DD20241115077", "查一下DD20241201127这个订单", "订单发货了吗"];
        var plain = SparseVectorizer.Fit(texts, new SparseFeatureConfig(MinDocumentFrequency: 1));
        var delexicalized = SparseVectorizer.Fit(texts, new SparseFeatureConfig(MinDocumentFrequency: 1), patterns);

        // two messages that differ only in the id: the same vector with patterns, different without
        Assert.Equal(Vector(delexicalized, "订单是DD20241115077"), Vector(delexicalized, "订单是DD20241201127"));
        Assert.NotEqual(Vector(plain, "订单是DD20241115077"), Vector(plain, "订单是DD20241201127"));
        // the id's characters are gone from the vocabulary, the match feature is in it
        Assert.True(delexicalized.FeatureCount < plain.FeatureCount);
        Assert.Contains(delexicalized.Keys.ToArray(), k => k == FeatureHashing.PatternKey("order_id"));
    }

    static string Vector(SparseVectorizer vectorizer, string text)
    {
        var scratch = new VectorizerScratch();
        int n = vectorizer.Transform(text, scratch);
        return string.Join(" ", Enumerable.Range(0, n).Select(i => $"{scratch.Columns[i]}:{scratch.Values[i]:R}"));
    }

    [Fact]
    public void Cross_validation_scores_held_out_folds_and_trades_recall_for_rejection()
    {
        var examples = NluTestData.Intentions().Examples.ToList();
        string[] outOfScope = ["what is the weather", "tell me a joke", "who won the game", "play some music", "今天天气怎么样", "讲个笑话"];
        examples.AddRange(outOfScope.Select(t => new NluExample(t, "oos", [])));
        var data = NluTrainingData.FromExamples(examples);
        var result = NluCrossValidation.Run(data, NluTestData.FastConfig() with { OosLabel = "oos" }, 3, [0f, 0.2f, 0.5f]);
        Assert.InRange(result.Accuracy, 0.3, 1.0);
        Assert.Equal(3, result.OosCurve.Count);
        for (int i = 1; i < result.OosCurve.Count; i++)
        {
            Assert.True(result.OosCurve[i].OosRecall >= result.OosCurve[i - 1].OosRecall);
            Assert.True(result.OosCurve[i].InScopeAccuracy <= result.OosCurve[i - 1].InScopeAccuracy);
        }
        Assert.Empty(NluCrossValidation.Run(NluTestData.Intentions(), NluTestData.FastConfig(), 3, [0f]).OosCurve);
    }
}
