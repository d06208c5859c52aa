using Kefu.Nlu;
using Kefu.Nlu.Pretrained;

namespace Kefu.Tests.Pretrained;

/// <summary>Fine-tuning the tiny BERT fixture for intents and entities: learning, saving, determinism, resuming, bad input.</summary>
public sealed class FineTuningTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-finetune-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static readonly FineTuneOptions Fast = new(Epochs: 4, BatchSize: 4, LearningRate: 1e-3f, MaxLength: 32, WarmupRatio: 0f, Dropout: 0f);

    // words from the fixture's 118-entry vocabulary; order numbers are several word pieces ("4", "##5", "##6")
    internal static NluTrainingData Data()
    {
        var examples = new List<NluExample>();
        string[] numbers = ["123", "456", "7890", "12", "305", "88"];
        foreach (string n in numbers)
        {
            examples.Add(Example("track", $"where is my order {n}", n));
            examples.Add(Example("track", $"我的订单{n}在哪里", n));
            examples.Add(Example("refund", $"i want a refund for order {n} please", n));
            examples.Add(Example("refund", $"我想要退款 {n}", n));
        }
        examples.Add(new NluExample("can you help me", "help", []));
        examples.Add(new NluExample("请帮我", "help", []));
        examples.Add(new NluExample("help me please", "help", []));
        examples.Add(new NluExample("客服人工", "help", []));
        return NluTrainingData.FromExamples(examples);

        static NluExample Example(string intent, string text, string number)
        {
            int start = text.IndexOf(number, StringComparison.Ordinal);
            return new NluExample(text, intent, [new EntitySpan(start, start + number.Length, "order_id", number)]);
        }
    }

    // the real pretrained encoder learns in a few epochs what the random fixture needs dozens for
    private static readonly FineTuneOptions Pretrained = new(Epochs: 8, BatchSize: 4, LearningRate: 2e-4f, MaxLength: 32, Dropout: 0f);

    [MiniLmEncoderFact]
    public void Intents_and_multi_piece_entities_are_learnt_jointly()
    {
        var result = FineTuner.Train(MiniLmEncoderTests.Folder, Data(), Data(), Pretrained);
        output.WriteLine(string.Join("\n", result.History));
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 2, string.Join(", ", result.History));
        var (accuracy, entityF1) = FineTuner.Evaluate(result.Model, Data().Examples);
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
        Assert.True(entityF1 >= 0.9, $"entity F1 {entityF1}");
        var entities = result.Model.Predict("where is my order 7890").Entities;
        Assert.Equal([(18, 22, 0)], entities);
    }

    [MiniLmEncoderFact]
    public void A_crf_head_with_bilou_tags_learns_the_same_spans()
    {
        var result = FineTuner.Train(MiniLmEncoderTests.Folder, Data(), Data(), Pretrained with { Crf = true, TagScheme = TagScheme.Bilou });
        output.WriteLine(string.Join("\n", result.History));
        Assert.NotNull(result.Model.Model.Crf);
        var (_, entityF1) = FineTuner.Evaluate(result.Model, Data().Examples);
        Assert.True(entityF1 >= 0.9, $"entity F1 {entityF1}");
    }

    [TinyBertFact]
    public void A_saved_model_reloads_to_the_same_predictions_in_hugging_face_layout()
    {
        var trained = FineTuner.Train(TinyBertFixture.Path, Data(), null, Fast with { Epochs = 2, Crf = true }).Model;
        trained.Save(folder);
        using (var checkpoint = Checkpoint.Open(folder))
        {
            Assert.True(checkpoint.TryGetTensor("bert.encoder.layer.1.attention.self.query.weight", out var query));
            Assert.Equal([32L, 32L], query.Shape);
            Assert.True(checkpoint.TryGetTensor("classifier.weight", out var head));
            Assert.Equal([3L, 32L], head.Shape);
            Assert.True(checkpoint.TryGetTensor("bert.pooler.dense.weight", out _));
        }
        var config = BertConfig.Load(Path.Combine(folder, "config.json"));
        Assert.Equal(["help", "refund", "track"], config.Labels);
        var reloaded = TransformerNlu.Load(folder);
        foreach (var text in new[] { "where is my order 123", "我想要退款", "help" })
        {
            var (_, _, a, ea) = trained.Predict(text);
            var (_, _, b, eb) = reloaded.Predict(text);
            Assert.Equal(a, b);
            Assert.Equal(ea, eb);
        }
    }

    [TinyBertFact]
    public void The_same_seed_gives_the_same_weights_and_a_resumed_run_ends_where_an_uninterrupted_one_does()
    {
        var options = Fast with { Epochs = 3, Dropout = 0.1f, GradientAccumulation = 2 };
        var whole = FineTuner.Train(TinyBertFixture.Path, Data(), null, options).Model.Model.Parameters.Values.ToArray();
        var again = FineTuner.Train(TinyBertFixture.Path, Data(), null, options).Model.Model.Parameters.Values.ToArray();
        Assert.Equal(whole, again);

        string checkpoints = Path.Combine(folder, "checkpoints");
        using var interrupt = new CancellationTokenSource();
        var stopAfterTwo = new Kefu.Training.SynchronousProgress<FineTuneProgress>(p =>
        {
            if (p.EpochDone?.Epoch == 2) interrupt.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() => FineTuner.Train(TinyBertFixture.Path, Data(), null, options, checkpoints, stopAfterTwo, interrupt.Token));
        Assert.True(File.Exists(Path.Combine(checkpoints, "last", "model.safetensors")));
        var resumed = FineTuner.Train(TinyBertFixture.Path, Data(), null, options, checkpoints);
        Assert.Equal(3, resumed.History.Count);
        Assert.Equal(whole, resumed.Model.Model.Parameters.Values.ToArray());
    }

    [TinyBertFact]
    public void Frozen_layers_keep_their_pretrained_values()
    {
        var pretrained = BertClassifier.Load(TinyBertFixture.Path);
        var tuned = FineTuner.Train(TinyBertFixture.Path, Data(), null, Fast with { Epochs = 1, FreezeLayers = 1 }).Model.Model;
        Assert.Equal(pretrained.Embeddings.Token.ToArray(), tuned.Embeddings.Token.ToArray());
        Assert.Equal(pretrained.Encoder.Blocks[0].Up.Weight.ToArray(), tuned.Encoder.Blocks[0].Up.Weight.ToArray());
        Assert.NotEqual(pretrained.Encoder.Blocks[1].Up.Weight.ToArray(), tuned.Encoder.Blocks[1].Up.Weight.ToArray());
    }

    [TinyBertFact]
    public void Bad_input_gets_clear_errors()
    {
        var empty = Assert.Throws<ArgumentException>(() => FineTuner.Train(TinyBertFixture.Path, NluTrainingData.FromExamples([]), null, Fast));
        Assert.Contains("no examples", empty.Message);
        var unknown = NluTrainingData.FromExamples([new NluExample("where is my order", "complain", [])]);
        var label = Assert.Throws<ArgumentException>(() => FineTuner.Train(TinyBertFixture.Path, Data(), unknown, Fast));
        Assert.Contains("\"complain\"", label.Message);
        var noConfig = Assert.Throws<FileNotFoundException>(() => FineTuner.Train(folder, Data(), null, Fast));
        Assert.Contains("config.json", noConfig.Message);
        Assert.Throws<ArgumentException>(() => FineTuner.Train(TinyBertFixture.Path, Data(), null, Fast with { Epochs = 0 }));
    }
}
