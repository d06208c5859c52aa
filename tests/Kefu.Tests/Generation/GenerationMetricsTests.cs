using Kefu.Generation.Metrics;

namespace Kefu.Tests.Generation;

/// <summary>
/// BLEU against sacrebleu's own published expectations (its test/test_bleu.py and test/test_sentence_bleu.py, sacrebleu
/// 2.x; sacrebleu itself could not be installed here), Chinese BLEU and ROUGE-L against hand-counted n-grams.
/// </summary>
public class GenerationMetricsTests
{
    // sacrebleu's README example: two reference streams for three segments
    private static readonly string[] Hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    private static readonly IReadOnlyList<string>[] References =
    [
        ["The dog bit the man.", "The dog had bit the man."],
        ["It was not unexpected.", "No one was surprised."],
        ["The man bit him first.", "The man had bitten the dog."],
    ];

    [Theory]
    [InlineData("13a", BleuSmoothing.Exp, 48.530827)]
    [InlineData("none", BleuSmoothing.Exp, 49.1919566)]
    [InlineData("13a", BleuSmoothing.None, 48.530827)]
    public void Corpus_bleu_equals_sacrebleu_on_its_readme_example(string tokenizer, BleuSmoothing smoothing, double expected)
    {
        var score = new CorpusBleu(BleuTokenizer.Parse(tokenizer), smoothing).Score(Hypotheses, References);
        Assert.Equal(expected, score.Score, 1e-6);
    }

    [Fact]
    public void Empty_hypotheses_score_zero_and_are_not_dropped()
    {
        var score = new CorpusBleu().Score(["", "", ""], References);
        Assert.Equal(0.0, score.Score);
        Assert.Equal(0, score.HypothesisLength);
    }

    [Theory]
    [InlineData(new[] { "this is a test", "another test" }, new[] { "ref1", "ref2" }, 0.0)] // no match at all: 0 since sacrebleu #141
    [InlineData(new[] { "this is a test" }, new[] { "this is a test" }, 1.0)]
    [InlineData(new[] { "this is a fest" }, new[] { "this is a test" }, 0.223606797749979)]
    [InlineData(new[] { "test" }, new[] { "a test" }, 0.3678794411714425)]
    [InlineData(new[] { "a test" }, new[] { "a test" }, 1.0)]
    [InlineData(new[] { "a little test" }, new[] { "a test" }, 0.03218297948685433)]
    public void Raw_corpus_bleu_cases_equal_sacrebleu(string[] hypotheses, string[] references, double expected)
    {
        // raw_corpus_bleu: floor smoothing 0.01, no tokenization, effective order
        var bleu = new CorpusBleu(BleuTokenization.None, BleuSmoothing.Floor, smoothValue: 0.01, effectiveOrder: true);
        var score = bleu.Score(hypotheses, [.. references.Select(r => (IReadOnlyList<string>)[r])]);
        Assert.Equal(expected, score.Score / 100, 1e-8);
    }

    [Fact]
    public void Statistics_and_scoring_equal_sacrebleu()
    {
        var score = new CorpusBleu(BleuTokenization.None).Score(["am I am a character sequence"], [["I am a symbol string sequence a a"]]);
        Assert.Equal([4, 2, 1, 0], score.Counts);
        Assert.Equal([6, 5, 4, 3], score.Totals);
        var scored = new CorpusBleu(smoothing: BleuSmoothing.None).Compute([9, 7, 5, 3], [10, 8, 6, 4], 11, 11);
        Assert.Equal(0.8375922397, scored.Score / 100, 1e-8);
    }

    [Theory]
    [InlineData(1, "77.65")]
    [InlineData(2, "60.50")]
    [InlineData(3, "53.93")]
    [InlineData(4, "48.53")]
    [InlineData(5, "46.14")]
    [InlineData(6, "43.28")]
    public void Other_ngram_orders_equal_sacrebleu(int order, string expected)
    {
        var score = new CorpusBleu(maxOrder: order).Score(Hypotheses, References);
        Assert.Equal(expected, score.Score.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Floor_offsets_equal_sacrebleu()
    {
        IReadOnlyList<string>[] references = [["I am a symbol string sequence a a"]];
        Assert.Equal(0.1555722182, new CorpusBleu(BleuTokenization.None, BleuSmoothing.Floor, effectiveOrder: true).Score(["am I am a character sequence"], references).Score / 100, 1e-8);
        Assert.Equal(0.0, new CorpusBleu(BleuTokenization.None, BleuSmoothing.Floor, 0.0, effectiveOrder: true).Score(["am I am a character sequence"], references).Score);
        Assert.Equal(0.0, new CorpusBleu(smoothing: BleuSmoothing.Floor, smoothValue: 0).Compute([6, 5, 4, 0], [6, 5, 4, 3], 6, 6).Score);
    }

    [Theory]
    [InlineData(BleuSmoothing.Exp, null, "13a", 8.493)]
    [InlineData(BleuSmoothing.None, null, "13a", 0.0)]
    [InlineData(BleuSmoothing.Floor, null, "13a", 4.51688)]
    [InlineData(BleuSmoothing.Floor, 0.5, "13a", 10.10)]
    [InlineData(BleuSmoothing.AddK, null, "13a", 14.882)]
    [InlineData(BleuSmoothing.AddK, 2.0, "13a", 21.389)]
    [InlineData(BleuSmoothing.Exp, null, "none", 7.347)]
    public void Sentence_bleu_equals_sacrebleu_issue_98(BleuSmoothing smoothing, double? value, string tokenizer, double expected)
    {
        var bleu = new CorpusBleu(BleuTokenizer.Parse(tokenizer), smoothing, value, effectiveOrder: true);
        var score = bleu.SentenceScore("Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;", ["producţia de zahăr brut se exprimă în zahăr alb;"]);
        Assert.Equal(expected, score.Score, 1e-3);
    }

    [Fact]
    public void Zh_tokenizer_splits_chinese_characters_and_keeps_sacrebleus_range_quirk()
    {
        Assert.Equal("我 想 订 一 家 酒 店 。", BleuTokenizer.Zh("我想订一家酒店。"));
        Assert.Equal("订 单 号 是 123456 , 好 的", BleuTokenizer.Zh("订单号是123456,好的"));
        // '\u20000' in tokenizer_zh.py compares as U+2001..U+2A6D: the right single quote is "Chinese" there
        Assert.Equal("it ’ s", BleuTokenizer.Zh("it’s"));
        Assert.Equal("it’s", BleuTokenizer.Mteval13a("it’s"));
        Assert.Equal("Hello , world ! 3.5 and 1,000 1 - 2", BleuTokenizer.Mteval13a("Hello, world! 3.5 and 1,000 1-2"));
    }

    [Fact]
    public void Chinese_bleu_with_the_zh_tokenizer_equals_hand_counted_ngrams()
    {
        // hyp 8 characters, ref 11: matches 8/8, 6/7, 4/6, 2/5; BP = exp(1 − 11/8)
        var score = new CorpusBleu(BleuTokenization.Zh).Score(["我想订一家酒店。"], [["我想订一家北京的酒店。"]]);
        Assert.Equal([8, 6, 4, 2], score.Counts);
        Assert.Equal([8, 7, 6, 5], score.Totals);
        Assert.Equal(47.52203774792177, score.Score, 1e-9);
        // 13a sees one token each and no match
        Assert.Equal(0.0, new CorpusBleu().Score(["我想订一家酒店。"], [["我想订一家北京的酒店。"]]).Score);
    }

    [Fact]
    public void Multiple_references_clip_by_the_largest_count_and_take_the_closest_length()
    {
        // "the" twice in the hypothesis: one reference has it once, the other twice
        var score = new CorpusBleu(BleuTokenization.None).Score(["the the cat"], [["the cat", "the the dog sat"]]);
        Assert.Equal(3, score.Counts[0]);
        Assert.Equal(2, score.ReferenceLength); // |3−2| = |3−4|: the shorter
    }

    [Fact]
    public void Rouge_l_is_the_lcs_f_measure_characterwise_for_chinese()
    {
        Assert.Equal(["我", "想", "订", "a", "room", "123"], RougeL.Tokenize("我想订 A room, 123!"));
        var zh = RougeL.Score("我想订一家酒店", ["我想订一家北京的酒店"]);
        Assert.Equal(1.0, zh.Precision, 12);
        Assert.Equal(0.7, zh.Recall, 12);
        Assert.Equal(2 * 0.7 / 1.7, zh.F1, 12);
        Assert.Equal(5.0 / 6, RougeL.Score("the cat sat on the mat", ["the cat is on the mat"]).F1, 12);
        // the best reference counts; the corpus figure is the mean
        Assert.Equal(1.0, RougeL.Score("好的", ["不好", "好的"]).F1, 12);
        Assert.Equal(0.5, RougeL.Corpus(["好的", "再见"], [["好的"], ["谢谢"]]), 12);
        Assert.Equal(0.0, RougeL.Score("", ["好的"]).F1);
    }
}
