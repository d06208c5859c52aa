using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Diet;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

public sealed class DietTests : IDisposable
{
    static readonly DietOptions Fast = new(Epochs: 30, BatchSize: 8, Hidden: 32, Layers: 1, Heads: 2, LabelSmoothing: 0f);
    static readonly Lazy<NluModel> Model = new(() => DietNluTrainer.Train(NluTestData.WithEntities(), NluTestData.FastConfig(), Fast));

    readonly string folder = Directory.CreateTempSubdirectory("kefu-diet-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Learns_the_intents_and_entities_it_was_trained_on()
    {
        var data = NluTestData.WithEntities();
        var nlu = Model.Value;
        int right = data.Examples.Count(e => nlu.Parse(e.Text).Intent.Name == e.Intent);
        Assert.True(right >= data.Examples.Count * 0.95, $"{right} of {data.Examples.Count} training examples classified right");
        var flight = nlu.Parse("book a flight to berlin");
        Assert.Equal("book_flight", flight.Intent.Name);
        var city = Assert.Single(flight.Entities, e => e.Entity == "city");
        Assert.Equal("berlin", city.Value);
        Assert.Equal((17, 23), (city.Start, city.End));
        Assert.Contains(nlu.Parse("我想买相机").Entities, e => e.Entity == "product" && e.Value == "相机");
        Assert.Equal("New York", Assert.Single(nlu.Parse("book a flight to NYC").Entities).Value); // an annotated value is a synonym
    }

    [Fact]
    public void Is_deterministic_for_a_seed()
    {
        var again = DietNluTrainer.Train(NluTestData.WithEntities(), NluTestData.FastConfig(), Fast);
        foreach (var text in new[] { "fly me to rome", "这个背包多少钱", "weather in tokyo?" })
            Assert.Equal(NluParseJson.Serialize(Model.Value.Parse(text)), NluParseJson.Serialize(again.Parse(text)));
    }

    [Fact]
    public void Reloads_from_its_archive_to_the_same_parses()
    {
        string path = Path.Combine(folder, "model.kefu");
        ModelArchive.Save(path, Model.Value);
        var loaded = ModelArchive.Load(path);
        Assert.Equal(DietComponent.Type, Assert.Single(loaded.Manifest.Components).Type);
        foreach (var text in new[] { "book a flight to paris", "我想买手机", "what is the weather in NYC", "嗯？", "" })
            Assert.Equal(NluParseJson.Serialize(Model.Value.Parse(text)), NluParseJson.Serialize(loaded.Nlu.Parse(text)));
    }

    [Fact]
    public void The_linear_blend_inside_diet_learns_whole_labels_whatever_the_linear_models_options()
    {
        // intent_tokenization_flag and context_weight are the linear model's; DIET's blend must not learn parts or contexts
        string path = Path.Combine(folder, "config.yml");
        File.WriteAllText(path, """
            pipeline:
              - name: WhitespaceTokenizer
                intent_tokenization_flag: true
                intent_split_symbol: "+"
              - name: DIETClassifier
                epochs: 3
                linear_weight: 0.5
              - name: LogisticRegressionClassifier
                context_weight: 1
            """);
        var config = ProjectConfig.Load(path);
        var trainer = ProjectTrainer.NluTrainerFor(config, ProjectTrainer.NluConfigFor(config), null);
        var examples = NluTestData.Intentions().Examples
            .Select((e, i) => i % 3 == 0 ? e with { Intent = e.Intent + "+greet" } with { Context = "utter_ask\n问一下" } : e).ToList();
        var model = trainer(NluTrainingData.FromExamples(examples));
        var diet = Assert.IsType<DietModel>(model.Intents);
        Assert.Equal(diet.Labels, diet.Linear!.Classifier.Labels);
        string archive = Path.Combine(folder, "flagged.kefu");
        ModelArchive.Save(archive, model);
        var loaded = ModelArchive.Load(archive).Nlu;
        foreach (var text in new[] { "hello there", "我想退款", "where is my parcel" })
            Assert.Equal(NluParseJson.Serialize(model.Parse(text)), NluParseJson.Serialize(loaded.Parse(text)));
    }

    [Fact]
    public void A_blend_with_the_linear_model_reloads_to_the_same_parses()
    {
        var blended = DietNluTrainer.Train(NluTestData.WithEntities(), NluTestData.FastConfig(), Fast with { Epochs = 3, LinearWeight = 0.5f });
        var diet = Assert.IsType<DietModel>(blended.Intents);
        Assert.Equal(0.5f, diet.Linear!.Weight);
        string path = Path.Combine(folder, "blend.kefu");
        ModelArchive.Save(path, blended);
        var loaded = ModelArchive.Load(path).Nlu;
        Assert.Equal(0.5f, Assert.IsType<DietModel>(loaded.Intents).Linear!.Weight);
        foreach (var text in new[] { "book a flight to paris", "我想买手机", "what is the weather in NYC" })
            Assert.Equal(NluParseJson.Serialize(blended.Parse(text)), NluParseJson.Serialize(loaded.Parse(text)));
    }

    [Fact]
    public void The_similarity_head_embeds_multi_intent_labels_from_their_parts()
    {
        var examples = new List<NluExample>();
        foreach (var (intent, texts) in new[]
        {
            ("greet", new[] { "hello", "hi there", "good morning", "hey you" }),
            ("refund", new[] { "i want a refund", "refund my order", "money back please", "refund now" }),
            ("greet+refund", new[] { "hello, i want a refund", "hi there, refund my order", "hey, money back please" }),
        })
            examples.AddRange(texts.Select(t => new NluExample(t, intent, [])));
        var model = DietTrainer.Train(NluTrainingData.FromExamples(examples), Fast with { Head = IntentHead.Similarity });
        Assert.NotNull(model.Network.PartEmbeddings);
        Assert.Equal(2, model.Network.Shape.IntentParts);
        int best(string text)
        {
            var p = model.Predict(text).Probabilities;
            return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(p);
        }
        Assert.Equal("greet+refund", model.Labels[best("hello, i want a refund")]);
        Assert.Equal("greet", model.Labels[best("good morning")]);
    }

    [Fact]
    public void Early_stopping_keeps_the_best_held_out_epoch()
    {
        var lines = new List<string>();
        var options = Fast with { Epochs = 40, EvaluateExamples = 8, EarlyStoppingPatience = 2 };
        DietTrainer.Train(NluTestData.WithEntities(), options, new SynchronousProgress<string>(lines.Add));
        Assert.Contains(lines, l => l.Contains("held-out accuracy"));
        Assert.Contains(lines, l => l.StartsWith("kept the weights of the best held-out accuracy", StringComparison.Ordinal));
    }

    [Fact]
    public void Config_options_are_read_checked_and_the_ones_not_run_are_named()
    {
        string path = Path.Combine(folder, "config.yml");
        File.WriteAllText(path, """
            language: en
            pipeline:
              - name: DIETClassifier
                epochs: 7
                batch_size: [16, 64]
                transformer_size: 64
                number_of_transformer_layers: 1
                constrain_similarities: true
                bogus_option: 3
            """);
        var warnings = new List<string>();
        var options = DietClassifierConfig.Read(ProjectConfig.Load(path).FindComponent("DIETClassifier")!, new SynchronousProgress<string>(warnings.Add));
        Assert.Equal((7, 16, 64, 1), (options.Epochs, options.BatchSize, options.Hidden, options.Layers));
        Assert.Contains(warnings, w => w.Contains("config.yml:8") && w.Contains("constrain_similarities") && w.Contains("softmax"));
        Assert.Contains(warnings, w => w.Contains("config.yml:9") && w.Contains("'bogus_option'") && w.Contains("ignored"));

        File.WriteAllText(path, """
            pipeline:
              - name: DIETClassifier
                epochs: many
                transformer_size: 30
                number_of_attention_heads: 4
            """);
        var e = Assert.Throws<ProjectException>(() => DietClassifierConfig.Read(ProjectConfig.Load(path).FindComponent("DIETClassifier")!));
        Assert.Contains(e.Diagnostics, d => d.Location.Line == 3 && d.Message.Contains("'epochs' must be an integer"));
        Assert.Contains(e.Diagnostics, d => d.Location.Line == 2 && d.Message.Contains("divisible"));
    }
}

public sealed class PipelineCheckTests
{
    static (List<string> Warnings, IReadOnlyList<Diagnostic> Errors) Check(string configYml)
    {
        using var project = new Kefu.Tests.Projects.TempProject("kefu-pipeline-", ("config.yml", configYml));
        return Kefu.Training.PipelineCheck.Check(ProjectConfig.Load(project.PathOf("config.yml")));
    }

    [Fact]
    public void Every_option_Kefu_does_not_honour_is_a_warning_at_its_line()
    {
        var (warnings, errors) = Check("""
            pipeline:
              - name: WhitespaceTokenizer
              - name: CountVectorsFeaturizer
                analyzer: char_wb
              - name: DIETClassifier
                epochs: 5
                constrain_similarities: true
              - name: CRFEntityExtractor
              - name: FallbackClassifier
                threshold: 0.4
                bogus: 1
            """);
        Assert.Empty(errors);
        Assert.Contains(warnings, w => w.Contains("config.yml:4:") && w.Contains("'analyzer' is ignored"));
        Assert.Contains(warnings, w => w.Contains("config.yml:7:") && w.Contains("constrain_similarities"));
        Assert.Contains(warnings, w => w.Contains("config.yml:8:") && w.Contains("CRFEntityExtractor is not used"));
        Assert.Contains(warnings, w => w.Contains("config.yml:11:") && w.Contains("'bogus'"));
        Assert.DoesNotContain(warnings, w => w.Contains("'threshold'") || w.Contains("'epochs'"));
    }

    [Fact]
    public void Kefus_own_options_are_read_and_the_multi_intent_flag_is_named_where_it_does_nothing()
    {
        var (warnings, errors) = Check("""
            pipeline:
              - name: WhitespaceTokenizer
                intent_tokenization_flag: true
                intent_split_symbol: "+"
              - name: LogisticRegressionClassifier
                context_weight: 0.5
              - name: CRFEntityExtractor
                sentence_features: true
            """);
        Assert.Empty(errors);
        Assert.Empty(warnings);

        (warnings, errors) = Check("""
            pipeline:
              - name: WhitespaceTokenizer
                intent_tokenization_flag: true
              - name: DIETClassifier
              - name: LogisticRegressionClassifier
                context_weight: 1
            """);
        Assert.Empty(errors);
        Assert.Contains(warnings, w => w.Contains("config.yml:4:") && w.Contains("intent_tokenization_flag is honoured by Kefu's linear intent model only"));
        Assert.Contains(warnings, w => w.Contains("config.yml:4:") && w.Contains("context_weight is honoured by Kefu's linear intent model only"));
    }
}
