using Kefu.Models;
using Kefu.Nlu.Pretrained;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Tests.Pretrained;

/// <summary>A Rasa project whose pipeline has a TransformerClassifier: trained, archived, reloaded and parsed.</summary>
public sealed class TransformerProjectTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-transformer-project-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private string Write(string pipeline)
    {
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "domain.yml"), """
            version: "3.1"
            intents: [track, refund, help]
            entities: [order_id, carrier]
            responses:
              utter_help:
                - text: ok
            """);
        File.WriteAllText(Path.Combine(folder, "config.yml"), $"""
            language: zh
            pipeline:
            {pipeline}
              - name: FallbackClassifier
                threshold: 0.05
            policies:
              - name: RulePolicy
            """);
        var lines = new List<string> { "version: \"3.1\"", "nlu:" };
        foreach (var group in FineTuningTests.Data().Examples.GroupBy(e => e.Intent))
        {
            lines.Add($"- intent: {group.Key}");
            lines.Add("  examples: |");
            foreach (var e in group)
            {
                string text = e.Entities.Count == 0 ? e.Text
                    : e.Text[..e.Entities[0].Start] + $"[{e.Text[e.Entities[0].Start..e.Entities[0].End]}](order_id)" + e.Text[e.Entities[0].End..];
                lines.Add($"    - {text}");
            }
        }
        lines.AddRange(["- regex: order_id", "  examples: |", "    - \\d{3,}"]);
        File.WriteAllLines(Path.Combine(folder, "data", "nlu.yml"), lines);
        return folder;
    }

    [TinyBertFact]
    public void A_project_trains_archives_and_parses_with_the_fine_tuned_transformer()
    {
        var project = RasaProject.Load(Write($"""
              - name: TransformerClassifier
                model: {TinyBertFixture.Path}
                epochs: 2
                batch_size: 8
                crf: true
            """));
        Assert.DoesNotContain(project.Diagnostics, d => d.Message.Contains("TransformerClassifier"));
        string archive = Path.Combine(folder, "models", "model.kefu");
        var trained = ProjectTrainer.Train(project, archive).Nlu;
        Assert.IsType<TransformerParser>(trained.Intents);
        Assert.Equal(["help", "refund", "track"], trained.Intents.Labels);

        var loaded = ModelArchive.Load(archive).Nlu;
        Assert.IsType<TransformerParser>(loaded.Intents);
        foreach (string text in new[] { "where is my order 123", "我想要退款", "请帮我查一下快递" })
        {
            var a = trained.Parse(text);
            var b = loaded.Parse(text);
            Assert.Equal(a.Intent, b.Intent);
            Assert.Equal(a.IntentRanking, b.IntentRanking);
            Assert.Equal(a.Entities, b.Entities);
        }
        // the regex of an annotated entity type extracts what the model does not tag
        Assert.Contains(loaded.Parse("请帮我查一下 98765").Entities, e => e is { Entity: "order_id", Value: "98765", Start: 7, End: 12 });
    }

    [Fact]
    public void Bad_options_name_the_line_of_config_yml()
    {
        var project = RasaProject.Load(Write("""
              - name: TransformerClassifier
                model: some/model
                epochs: many
                schedule: sometimes
                distill_to: 2x30
            """));
        var error = Assert.Throws<ProjectException>(() => TransformerClassifierConfig.Read(project.Config.FindComponent("TransformerClassifier")!));
        Assert.Contains(error.Diagnostics, d => d.Message.Contains("'epochs' must be a number") && d.Location.Line == 5);
        Assert.Contains(error.Diagnostics, d => d.Message.Contains("'schedule'") && d.Location.Line == 6);
        Assert.Contains(error.Diagnostics, d => d.Message.Contains("'distill_to'") && d.Location.Line == 7);
    }

    [Fact]
    public void A_missing_model_is_an_error_at_the_component()
    {
        var project = RasaProject.Load(Write("""
              - name: TransformerClassifier
                epochs: 1
            """));
        var error = Assert.Throws<ProjectException>(() => TransformerClassifierConfig.Read(project.Config.FindComponent("TransformerClassifier")!));
        Assert.Contains("needs 'model:'", error.Diagnostics.Single().Message);
    }

    [TinyBertFact]
    public void Out_of_scope_examples_train_no_class_and_fit_the_fallback_threshold_on_held_out_messages()
    {
        var examples = FineTuningTests.Data().Examples.ToList();
        examples.AddRange(Enumerable.Range(0, 10).Select(i => new Kefu.Nlu.NluExample(i % 2 == 0 ? "the card" : "cafe money", "oos", [])));
        var config = Kefu.Nlu.NluConfig.Default with { OosLabel = "oos" };
        var transformer = new TransformerClassifierConfig(TinyBertFixture.Path, null, new FineTuneOptions(Epochs: 1, BatchSize: 8), null);
        var messages = new List<string>();
        var model = TransformerNluTrainer.Train(Kefu.Nlu.NluTrainingData.FromExamples(examples), config, transformer,
            new SynchronousProgress<string>(messages.Add));
        Assert.Contains(messages, m => m.Contains("held out to fit the out-of-scope threshold"));
        var fitted = messages.Single(m => m.StartsWith("out-of-scope threshold", StringComparison.Ordinal));
        Assert.Contains(model.FallbackThreshold.ToString("F4"), fitted);
        Assert.InRange(model.FallbackThreshold, 0f, 1f);
        Assert.DoesNotContain("oos", model.Intents.Labels);
        Assert.Contains(messages, m => m.Contains($"on {examples.Count(e => e.Intent != "oos") - examples.Count(e => e.Intent != "oos") / 10} examples"));
    }
}
