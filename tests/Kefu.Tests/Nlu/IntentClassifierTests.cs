using Kefu.Nlu;
using Kefu.Nlu.Intents;

namespace Kefu.Tests.Nlu;

public class IntentClassifierTests
{
    [Fact]
    public void Same_seed_gives_identical_weights_whatever_the_thread_count()
    {
        var data = NluTestData.Intentions();
        var a = (SparseIntentModel)NluTrainer.Train(data, NluTestData.FastConfig() with { Svm = new SvmOptions(Threads: 1) }).Intents;
        var b = (SparseIntentModel)NluTrainer.Train(data, NluTestData.FastConfig() with { Svm = new SvmOptions(Threads: 2) }).Intents;
        Assert.Equal(a.Labels, b.Labels);
        Assert.True(a.Classifier.Weights.SequenceEqual(b.Classifier.Weights));
        Assert.True(a.Classifier.Bias.SequenceEqual(b.Classifier.Bias));
        Assert.Equal(a.Classifier.Temperature, b.Classifier.Temperature);
        Assert.True(a.Vectorizer.Keys.SequenceEqual(b.Vectorizer.Keys));
    }

    [Theory]
    [InlineData("hello there friend", "greet")]
    [InlineData("i would like a refund please", "refund")]
    [InlineData("where is my parcel", "track_order")]
    [InlineData("我想退款", "refund")]
    [InlineData("物流到哪了", "track_order")]
    [InlineData("ＢＹＥ", "goodbye")]
    public void Learns_intents_in_english_and_chinese(string text, string intent)
    {
        var model = NluTrainer.Train(NluTestData.Intentions(), NluTestData.FastConfig() with { FallbackThreshold = 0f });
        Assert.Equal(intent, model.Parse(text).Intent.Name);
    }

    [Fact]
    public void Confidences_are_probabilities_and_the_ranking_is_sorted()
    {
        var model = NluTrainer.Train(NluTestData.Intentions(), NluTestData.FastConfig() with { FallbackThreshold = 0f });
        var parse = model.Parse("good morning");
        var confidences = parse.IntentRanking.Select(p => p.Confidence).ToArray();
        Assert.All(confidences, c => Assert.InRange(c, 0f, 1f));
        Assert.True(confidences.Sum() <= 1.0001f);
        Assert.Equal(confidences.OrderDescending(), confidences);
        Assert.Equal(4, parse.IntentRanking.Count);
        Assert.Equal(parse.IntentRanking[0], parse.Intent);
    }

    [Fact]
    public void Below_the_threshold_the_intent_is_nlu_fallback()
    {
        var model = NluTrainer.Train(NluTestData.Intentions(), NluTestData.FastConfig() with { FallbackThreshold = 0.999f });
        var parse = model.Parse("quantum chromodynamics");
        Assert.Equal(NluConfig.FallbackIntent, parse.Intent.Name);
        Assert.Equal(0.999f, parse.Intent.Confidence);
        Assert.Equal(NluConfig.FallbackIntent, parse.IntentRanking[0].Name);
        Assert.NotEqual(NluConfig.FallbackIntent, parse.IntentRanking[1].Name);
    }

    [Fact]
    public void Temperature_fit_recovers_the_temperature_that_generated_the_labels()
    {
        // Labels drawn from softmax([s, 0] / 2): the fitted temperature should come back near 2.
        var random = new Random(3);
        var scores = new float[4000][];
        var labels = new int[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = Enumerable.Range(0, 5).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            var p = (float[])scores[i].Clone();
            IntentClassifier.Softmax(p, 2f);
            double u = random.NextDouble() * p.Sum(), acc = 0;
            labels[i] = 4;
            for (int k = 0; k < 5; k++) { acc += p[k]; if (u < acc) { labels[i] = k; break; } }
        }
        Assert.InRange(Calibration.FitTemperature(scores, labels), 1.7f, 2.3f);
    }

    [Fact]
    public void Oos_threshold_gives_up_the_asked_share_of_held_out_in_scope_messages()
    {
        const int oos = 9;
        var heldOut = new List<(int, float, int)>();
        for (int i = 0; i < 50; i++) heldOut.Add((1, 0.5f + i * 0.01f, 1));   // in scope, confidences 0.50..0.99
        for (int i = 0; i < 10; i++) heldOut.Add((2, 0.2f + i * 0.01f, oos));  // out of scope: ignored
        float threshold = Calibration.FitOosThreshold(heldOut, oos, 0.1f);
        Assert.Equal(5, heldOut.Count(p => p.Item3 != oos && p.Item2 < threshold));
        Assert.Equal(0f, Calibration.FitOosThreshold(heldOut, oos, 0f));
        Assert.Equal(0f, Calibration.FitOosThreshold(heldOut.Where(p => p.Item3 == oos).ToList(), oos, 0.1f));
    }
}
