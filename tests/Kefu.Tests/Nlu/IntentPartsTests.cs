using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Intents;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

/// <summary>Multi-intent labels learnt part by part (Rasa's intent_tokenization_flag and intent_split_symbol).</summary>
public class IntentPartsTests
{
    static readonly (string Intent, string[] Texts)[] Data =
    [
        ("greet", ["hello", "hi there", "good morning", "hey", "hello friend", "hi"]),
        ("ask_price", ["how much is it", "what does it cost", "what is the price", "price please", "how much does this cost", "cost?"]),
        ("ask_delivery", ["when will it arrive", "how long is delivery", "when does it ship", "delivery time?", "when do I get it", "shipping time"]),
        ("greet+ask_price", ["hello, how much is it", "hi, what is the price", "good morning, what does it cost", "hey, price please"]),
        ("ask_price+ask_delivery", ["how much is it and when will it arrive", "price and delivery time please", "what does it cost and how long is delivery"]),
    ];

    static NluTrainingData Training() =>
        NluTrainingData.FromExamples([.. Data.SelectMany(d => d.Texts.Select(t => new NluExample(t, d.Intent, [])))]);

    static NluModel Train() => NluTrainer.Train(Training(), NluTestData.FastConfig() with { FallbackThreshold = 0f, IntentSplitSymbol = "+" });

    [Fact]
    public void Each_part_is_learnt_and_an_unseen_combination_is_read_from_its_parts()
    {
        var model = Train();
        var intents = (SparseIntentModel)model.Intents;
        Assert.Equal(["ask_delivery", "ask_price", "greet"], intents.Parts!.Parts);
        Assert.Equal(Data.Select(d => d.Intent).Order(StringComparer.Ordinal), intents.Labels);

        Assert.Equal("greet+ask_price", model.Parse("hello, what is the price").Intent.Name);
        Assert.Equal("ask_delivery", model.Parse("when will it arrive").Intent.Name);
        // greet+ask_delivery was never a label: the ranking cannot hold it, the parts can (on so little data at a lower threshold)
        var with = new float[3];
        var without = new float[3];
        intents.PartProbabilities("hello, when will it arrive", null, with);
        intents.PartProbabilities("when will it arrive", null, without);
        Assert.True(with[2] > without[2] + 0.2f, $"greet: {with[2]} with hello, {without[2]} without");
        Assert.Equal("ask_delivery+greet", intents.Parts.Compose(with, 0.3));
        Assert.Equal("ask_delivery", intents.Parts.Compose(without, 0.3));
    }

    [Fact]
    public void Label_probabilities_leave_room_for_no_part_at_all()
    {
        var parts = new IntentParts("+", ["a", "b", "a+b"], scale: 2f, offset: -1f);
        var probabilities = new float[3];
        parts.LabelProbabilities([3f, -3f], probabilities);
        Assert.True(probabilities.Sum() < 1f);
        Assert.Equal(0, Array.IndexOf(probabilities, probabilities.Max()));
        // reference: independent parts, p = σ(2s − 1); P(a, not b) / P(a and b) = (1 − p_b) / p_b
        double pb = 1 / (1 + Math.Exp(7));
        Assert.Equal((1 - pb) / pb, probabilities[0] / (double)probabilities[2], 3);
    }

    [Fact]
    public void Platt_scaling_recovers_the_slope_and_offset_that_made_the_labels()
    {
        var random = new Random(3);
        var scores = new List<float[]>();
        var positives = new List<IReadOnlyList<int>>();
        for (int i = 0; i < 4000; i++)
        {
            var s = new[] { (float)(random.NextDouble() * 6 - 3), (float)(random.NextDouble() * 6 - 3) };
            scores.Add(s);
            positives.Add([.. Enumerable.Range(0, 2).Where(j => random.NextDouble() < 1 / (1 + Math.Exp(-(1.5 * s[j] - 0.5))))]);
        }
        var (scale, offset) = IntentParts.FitPlatt(scores, positives);
        Assert.InRange(scale, 1.3f, 1.7f);
        Assert.InRange(offset, -0.65f, -0.35f);
    }

    [Fact]
    public void The_model_survives_the_archive_with_its_parts()
    {
        var model = Train();
        string path = Path.Combine(Path.GetTempPath(), $"kefu-parts-{Guid.NewGuid():N}.kefu");
        try
        {
            ModelArchive.Save(path, model);
            var loaded = ModelArchive.Load(path).Nlu;
            Assert.Equal(NluComponent.PartsType, ModelArchive.Load(path).Manifest.Components.Single(c => c.Name == NluComponent.Name).Type);
            var before = model.Parse("hi, what does it cost");
            var after = loaded.Parse("hi, what does it cost");
            Assert.Equal(before.Intent, after.Intent);
            Assert.Equal(before.IntentRanking, after.IntentRanking);
        }
        finally
        {
            File.Delete(path);
        }
    }

    static NluConfig ConfigOf(string configYml)
    {
        using var project = TempProject.Valid(("config.yml", configYml));
        return ProjectTrainer.NluConfigFor(RasaProject.Load(project.Dir));
    }

    [Fact]
    public void The_tokenizers_options_switch_it_on_with_rasas_default_symbol()
    {
        Assert.Null(ConfigOf("pipeline:\n  - name: WhitespaceTokenizer\n").IntentSplitSymbol);
        Assert.Equal("_", ConfigOf("pipeline:\n  - name: WhitespaceTokenizer\n    intent_tokenization_flag: true\n").IntentSplitSymbol);
        Assert.Equal("+", ConfigOf("pipeline:\n  - name: JiebaTokenizer\n    intent_tokenization_flag: True\n    intent_split_symbol: \"+\"\n").IntentSplitSymbol);
        Assert.Null(ConfigOf("pipeline:\n  - name: WhitespaceTokenizer\n    intent_tokenization_flag: false\n    intent_split_symbol: \"+\"\n").IntentSplitSymbol);
    }

    [Fact]
    public void A_bad_flag_is_an_error_at_its_line()
    {
        var e = Assert.Throws<ProjectException>(() => ConfigOf("pipeline:\n  - name: WhitespaceTokenizer\n    intent_tokenization_flag: 3\n"));
        Assert.Contains("intent_tokenization_flag must be true or false", e.Diagnostics[0].Message);
        Assert.Equal(3, e.Diagnostics[0].Location.Line);
        var empty = Assert.Throws<ProjectException>(() =>
            ConfigOf("pipeline:\n  - name: WhitespaceTokenizer\n    intent_tokenization_flag: true\n    intent_split_symbol: \"\"\n"));
        Assert.Contains("intent_split_symbol must be a non-empty string", empty.Diagnostics[0].Message);
        Assert.Equal(4, empty.Diagnostics[0].Location.Line);
    }
}
