using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Features;
using Kefu.Projects;
using Kefu.Tests.Nlu;
using Kefu.Training;
using Xunit.Abstractions;

namespace Kefu.Tests.Pretrained;

/// <summary>config.yml's LanguageModelFeaturizer: a language model's sentence embedding as dense columns of the linear NLU.</summary>
public sealed class LanguageModelFeaturizerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-lmf-project-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private RasaProject Write(string featurizer)
    {
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "domain.yml"), """
            version: "3.1"
            intents: [greet, goodbye, refund, track_order]
            responses:
              utter_greet:
                - text: hi
            """);
        File.WriteAllText(Path.Combine(folder, "config.yml"), $"""
            language: en
            pipeline:
              - name: WhitespaceTokenizer
              - name: CountVectorsFeaturizer
            {featurizer}
            policies:
              - name: RulePolicy
            """);
        var lines = new List<string> { "version: \"3.1\"", "nlu:" };
        foreach (var group in NluTestData.Intentions().Examples.GroupBy(e => e.Intent))
        {
            lines.Add($"- intent: {group.Key}");
            lines.Add("  examples: |");
            lines.AddRange(group.Select(e => $"    - {e.Text}"));
        }
        File.WriteAllLines(Path.Combine(folder, "data", "nlu.yml"), lines);
        return RasaProject.Load(folder);
    }

    [TinyBertFact]
    public void A_project_trains_archives_and_parses_the_same_after_its_model_folder_is_gone()
    {
        // a copy of the fixture, deleted before loading: the archive must carry the encoder itself
        string model = Path.Combine(folder, "encoder");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(TinyBertFixture.Path))
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        var project = Write($"""
              - name: LanguageModelFeaturizer
                model_name: bert
                model_weights: {model}
            """);
        Assert.DoesNotContain(project.Diagnostics, d => d.Message.Contains("LanguageModelFeaturizer"));
        string archive = Path.Combine(folder, "models", "model.kefu");
        var trained = ProjectTrainer.Train(project, archive).Nlu;
        var dense = Assert.IsType<SparseIntentModel>(trained.Intents).Dense;
        Assert.NotNull(dense);
        Assert.Equal(32, dense.Dimension);
        Assert.Contains(NluTrainer.DenseWeightCandidates, w => w == dense.Weight);
        Directory.Delete(model, recursive: true);

        var reader = ModelArchiveReader.Open(archive);
        var component = reader.Manifest.Components.Single(c => c.Name == NluComponent.Name);
        Assert.Equal(NluComponent.DenseType, component.Type);
        Assert.Contains("nlu/encoder/model.safetensors", component.Entries);
        Assert.Contains("nlu/encoder/vocab.txt", component.Entries);

        var loaded = ModelArchive.Load(archive).Nlu;
        var loadedDense = Assert.IsType<SparseIntentModel>(loaded.Intents).Dense;
        Assert.Equal(dense.Weight, loadedDense!.Weight);
        Assert.Equal(model, loadedDense.Model.Name);
        foreach (string text in new[] { "hello there", "我要退款", "where is my parcel", "farewell, friend" })
        {
            var a = trained.Parse(text);
            var b = loaded.Parse(text);
            Assert.Equal(a.Intent, b.Intent);
            Assert.Equal(a.IntentRanking, b.IntentRanking);
        }
        // parsing stays thread-safe with the encoder in it
        var texts = NluTestData.Intentions().Examples.Select(e => e.Text).ToArray();
        var expected = texts.Select(t => loaded.Parse(t).IntentRanking).ToArray();
        var parallel = new IReadOnlyList<IntentPrediction>[texts.Length];
        Parallel.For(0, texts.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i % texts.Length] = loaded.Parse(texts[i % texts.Length]).IntentRanking);
        for (int i = 0; i < texts.Length; i++)
            Assert.Equal(expected[i], parallel[i]);
    }

    [TinyBertFact]
    public void A_fixed_dense_weight_is_used_as_given()
    {
        var project = Write($"""
              - name: LanguageModelFeaturizer
                model_weights: {TinyBertFixture.Path}
                dense_weight: 1.5
            """);
        var nlu = ProjectTrainer.NluTrainerFor(project.Config, NluTestData.FastConfig(), null)(project.Nlu);
        Assert.Equal(1.5f, Assert.IsType<SparseIntentModel>(nlu.Intents).Dense!.Weight);
    }

    [Fact]
    public void Bad_options_name_the_line_of_config_yml()
    {
        var project = Write("""
              - name: LanguageModelFeaturizer
                model_name: gpt2
                dense_weight: -1
                cache_dir: /tmp/rasa
            """);
        var component = project.Config.FindComponent(LanguageModelFeaturizerConfig.ComponentName)!;
        var warnings = new List<string>();
        var error = Assert.Throws<ProjectException>(() => LanguageModelFeaturizerConfig.Read(component, new Collect(warnings)));
        Assert.Contains(error.Diagnostics, d => d.Message.Contains("needs 'model_weights:'") && d.Location.Line == 5);
        Assert.Contains(error.Diagnostics, d => d.Message.Contains("'dense_weight' must be a positive number") && d.Location.Line == 7);
        Assert.Contains(warnings, w => w.Contains("config.yml:6:") && w.Contains("model_name 'gpt2'"));
        Assert.Contains(warnings, w => w.Contains("config.yml:8:") && w.Contains("'cache_dir' is ignored"));
    }

    [Fact]
    public void A_folder_without_config_json_is_an_error_at_model_weights()
    {
        string empty = Path.Combine(folder, "not-a-model");
        Directory.CreateDirectory(empty);
        var project = Write($"""
              - name: LanguageModelFeaturizer
                model_weights: {empty}
            """);
        var config = LanguageModelFeaturizerConfig.Read(project.Config.FindComponent(LanguageModelFeaturizerConfig.ComponentName)!);
        var error = Assert.Throws<ProjectException>(() => config.Load());
        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(6, diagnostic.Location.Line);
        Assert.EndsWith("config.yml", diagnostic.Location.File);
        Assert.Contains("has no config.json", diagnostic.Message);
    }

    [TinyBertFact]
    public void With_a_TransformerClassifier_a_warning_says_which_runs()
    {
        var project = Write($"""
              - name: LanguageModelFeaturizer
                model_weights: {TinyBertFixture.Path}
              - name: TransformerClassifier
                model: {TinyBertFixture.Path}
            """);
        var messages = new List<string>();
        ProjectTrainer.NluTrainerFor(project.Config, ProjectTrainer.NluConfigFor(project), new Collect(messages));
        var warning = Assert.Single(messages, m => m.Contains("warning"));
        Assert.Contains("config.yml:5:", warning);
        Assert.Contains("LanguageModelFeaturizer is not used", warning);
        Assert.Contains("TransformerClassifier", warning);
    }

    /// <summary>
    /// Messages none of whose words the linear model has seen (its sparse vector is empty, so without the dense block all
    /// of them get the same intent, from the biases) are told apart by all-MiniLM-L6-v2's embedding.
    /// </summary>
    [MiniLmEncoderFact]
    public void The_embedding_classifies_a_message_whose_words_are_all_unseen()
    {
        var data = NluTestData.Intentions();
        var config = NluTestData.FastConfig() with
        {
            FallbackThreshold = 0f,
            Features = new SparseFeatureConfig(CharNgramMin: 0, CharNgramMax: 0),   // word n-grams: "unseen" is checkable
        };
        var linear = NluTrainer.Train(data, config);
        var withDense = NluTrainer.Train(data, config, languageModel: LanguageModel.Load("all-MiniLM-L6-v2", null, MiniLmEncoderTests.Folder));
        var probes = new (string Text, string Intent)[]
        {
            ("greetings", "greet"), ("farewell", "goodbye"), ("take care", "goodbye"), ("reimburse the payment", "refund"),
            ("compensation", "refund"), ("shipment tracking number", "track_order"), ("courier", "track_order"),
        };
        var sparse = (SparseIntentModel)withDense.Intents;
        output.WriteLine($"dense weight {sparse.Dense!.Weight}");
        foreach (var (text, intent) in probes)
        {
            Assert.Equal(0, sparse.Vectorizer.Transform(text, new VectorizerScratch()));
            var parse = withDense.Parse(text);
            output.WriteLine($"{text}: {parse.Intent.Name} {parse.Intent.Confidence:F3} (linear alone: {linear.Parse(text).Intent.Name})");
        }
        foreach (var (text, intent) in probes)
            Assert.Equal(intent, withDense.Parse(text).Intent.Name);
        Assert.Single(probes.Select(p => linear.Parse(p.Text).Intent.Name).Distinct());
    }

    private sealed class Collect(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
