using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Nlu;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Nlu;

public sealed class CrossWozTests : IDisposable
{
    // Two dialogues in CrossWOZ's layout; the second user message has a value twice (烤鸭), an Inform whose value is not in
    // the text (免费 said as 免票), a hotel-facility yes/no (a label part though Inform), a Select whose value is in the text
    // (a label part: only Inform and Recommend are spans) and an empty-valued Request.
    const string Dialogues = """
        {
          "7": {"type": "单领域", "messages": [
            {"role": "usr", "content": "你好，我想吃驴杂汤。", "dialog_act": [
              ["General", "greet", "none", "none"], ["Inform", "餐馆", "推荐菜", "驴杂汤"], ["Request", "餐馆", "名称", ""]]},
            {"role": "sys", "content": "推荐讲礼驴肉馆。", "dialog_act": [["Recommend", "餐馆", "名称", "讲礼驴肉馆"]]}
          ]},
          "8": {"type": "不独立多领域", "messages": [
            {"role": "usr", "content": "烤鸭店附近有免票的景点吗？要有叫醒服务，还想吃烤鸭。", "dialog_act": [
              ["Inform", "餐馆", "推荐菜", "烤鸭"], ["Inform", "景点", "门票", "免费"], ["Inform", "酒店", "酒店设施-叫醒服务", "是"],
              ["Select", "景点", "源领域", "景点"], ["Request", "景点", "名称", ""]]},
            {"role": "usr", "content": "北京饭店", "dialog_act": [["Inform", "酒店", "名称", "北京饭店"]]}
          ]}
        }
        """;

    readonly string folder = Directory.CreateTempSubdirectory("kefu-crosswoz-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static DialogAct Act(string intent, string domain, string slot, string value) => new(intent, domain, slot, value);

    [Fact]
    public void Reads_dialogues_in_file_order_and_picks_turns_by_role()
    {
        var dialogues = CrossWozReader.Parse(Dialogues);
        Assert.Equal(["7", "8"], dialogues.Select(d => d.Id));
        Assert.Equal("单领域", dialogues[0].Type);
        Assert.Equal(3, CrossWozReader.Turns(dialogues, "usr").Count);
        Assert.Equal("推荐讲礼驴肉馆。", Assert.Single(CrossWozReader.Turns(dialogues, "sys")).Text);
        Assert.Equal(4, CrossWozReader.Turns(dialogues, "all").Count);
        Assert.Equal(Act("Request", "餐馆", "名称", ""), dialogues[0].Turns[0].Acts[2]);
    }

    [Fact]
    public void Acts_become_spans_and_a_multi_part_label_and_come_back()
    {
        var turns = CrossWozReader.Turns(CrossWozReader.Parse(Dialogues), "usr");
        var codec = new CrossWozCodec();
        var examples = turns.Select(codec.ToExample).ToList();

        Assert.Equal("General-greet-none-none+Request-餐馆-名称-", examples[0].Intent);
        Assert.Equal([new EntitySpan(6, 9, "Inform-餐馆-推荐菜", "驴杂汤")], examples[0].Entities);

        Assert.Equal("Inform-景点-门票-免费+Inform-酒店-酒店设施-叫醒服务-是+Request-景点-名称-+Select-景点-源领域-景点", examples[1].Intent);
        Assert.Equal([new EntitySpan(0, 2, "Inform-餐馆-推荐菜", "烤鸭")], examples[1].Entities); // the first 烤鸭 of two

        Assert.Equal(CrossWozCodec.NoActs, examples[2].Intent);
        Assert.Equal([new EntitySpan(0, 4, "Inform-酒店-名称", "北京饭店")], examples[2].Entities);

        // back: label parts first, then spans with their text as the value
        Assert.Equal([Act("General", "greet", "none", "none"), Act("Request", "餐馆", "名称", ""), Act("Inform", "餐馆", "推荐菜", "驴杂汤")],
            codec.ToActs(examples[0].Intent, examples[0].Entities, turns[0].Text));
        Assert.Equal(
            [Act("Inform", "景点", "门票", "免费"), Act("Inform", "酒店", "酒店设施-叫醒服务", "是"), Act("Request", "景点", "名称", ""),
             Act("Select", "景点", "源领域", "景点"), Act("Inform", "餐馆", "推荐菜", "烤鸭")],
            codec.ToActs(examples[1].Intent, examples[1].Entities, turns[1].Text));
        // a predicted span reads its value from the text it covers, here the second 烤鸭 and a wider span
        Assert.Equal([Act("Inform", "餐馆", "推荐菜", "烤鸭"), Act("Inform", "酒店", "名称", "吃烤鸭")],
            codec.ToActs(CrossWozCodec.NoActs,
                [new EntitySpan(23, 25, "Inform-餐馆-推荐菜", "x"), new EntitySpan(22, 25, "Inform-酒店-名称", "x")], turns[1].Text));
        Assert.Throws<ArgumentException>(() => codec.ToActs("Request-酒店-名称-", [], "?"));
    }

    [Fact]
    public void Parts_are_read_by_their_marginal_probability_when_asked()
    {
        string[] labels = ["Request-餐馆-地址-", "Request-餐馆-地址-+Request-餐馆-评分-", "Request-餐馆-评分-", CrossWozCodec.NoActs];
        float[] probabilities = [0.4f, 0.15f, 0.4f, 0.05f];   // 地址 0.55, 评分 0.55: a pair seen less often than either part
        Assert.Equal("Request-餐馆-地址-+Request-餐馆-评分-", CrossWozCodec.PartsAbove(labels, probabilities, 0.5));
        Assert.Equal(CrossWozCodec.NoActs, CrossWozCodec.PartsAbove(labels, probabilities, 0.6));
        Assert.Equal("Request-餐馆-地址-", CrossWozCodec.PartsAbove(labels, [0.7f, 0.1f, 0.15f, 0.05f], 0.5));
    }

    [Fact]
    public void A_plus_inside_an_act_is_refused()
    {
        var turn = new CrossWozTurn("usr", "a+b", [Act("Inform", "餐馆", "推荐菜", "a+b")]);
        Assert.Throws<InvalidDataException>(() => new CrossWozCodec().ToExample(turn));
    }

    [Fact]
    public void Scores_are_micro_averaged_over_acts_as_ConvLab2_counts_them()
    {
        DialogAct a = Act("Inform", "餐馆", "推荐菜", "驴杂汤"), b = Act("Request", "餐馆", "名称", ""),
            c = Act("General", "thank", "none", "none"), d = Act("Inform", "景点", "门票", "免费"), e = Act("General", "bye", "none", "none");
        var score = ActScore.Of<DialogAct>(
        [
            ([a, b, c], [a, b, d]),   // TP 2, FP 1 (c), FN 1 (d)
            ([], [e]),                // FN 1
            ([a, a], [a]),            // TP 2: each predicted act found in the gold list
            ([], []),
        ]);
        Assert.Equal(new ActScore(4, 1, 2), score);
        Assert.Equal(0.8, score.Precision, 12);
        Assert.Equal(2.0 / 3, score.Recall, 12);
        Assert.Equal(8.0 / 11, score.F1, 12);
        Assert.Equal(0, new ActScore(0, 0, 3).F1);
    }

    /// <summary>Answers fixed intents and spans per text, as a trained model would.</summary>
    sealed class FixedModel(string[] labels, Dictionary<string, (string Intent, EntitySpan[] Spans)> answers) : IIntentModel, IEntityModel
    {
        public IReadOnlyList<string> Labels => labels;
        public IReadOnlyList<string> EntityTypes => [];

        public void Probabilities(string text, Span<float> probabilities)
        {
            probabilities.Clear();
            probabilities[Array.IndexOf(labels, answers[text].Intent)] = 1f;
        }

        public IReadOnlyList<EntitySpan> Extract(string text) => answers[text].Spans;
    }

    [Fact]
    public void The_benchmark_scores_the_model_answers_with_and_without_values()
    {
        var turns = CrossWozReader.Turns(CrossWozReader.Parse(Dialogues), "usr");
        var answers = new Dictionary<string, (string, EntitySpan[])>
        {
            // right label, span one character too wide: 吃驴杂汤 is wrong with its value, right without
            [turns[0].Text] = ("General-greet-none-none+Request-餐馆-名称-", [new EntitySpan(5, 9, "Inform-餐馆-推荐菜", "")]),
            // two of the four label parts, the span right
            [turns[1].Text] = ("Inform-景点-门票-免费+Request-景点-名称-", [new EntitySpan(0, 2, "Inform-餐馆-推荐菜", "")]),
            // a label where none was, no span
            [turns[2].Text] = ("General-greet-none-none+Request-餐馆-名称-", []),
        };
        NluModel? trained = null;
        var (result, results) = CrossWozBenchmark.Run(turns, turns, data =>
        {
            var labels = data.Examples.Select(e => e.Intent).Concat(answers.Values.Select(a => a.Item1)).Distinct().ToArray();
            var model = new FixedModel(labels, answers);
            return trained = new NluModel(NluConfig.Default, model, model, 0f);
        });
        Assert.NotNull(trained);
        Assert.Equal([Act("General", "greet", "none", "none"), Act("Request", "餐馆", "名称", ""), Act("Inform", "餐馆", "推荐菜", "吃驴杂汤")],
            results[0].Predicted);
        // with values: TP 2+3+0, FP 1+0+2, FN 1+2+1
        Assert.Equal(new ActScore(5, 3, 4), result.Overall);
        // without values turn 1's span is right: TP 3+3+0, FP 0+0+2, FN 0+2+1
        Assert.Equal(new ActScore(6, 2, 3), result.NoValue);
        // slot acts (Inform/Recommend, no 酒店设施): predicted 吃驴杂汤, 免费, 烤鸭; gold 驴杂汤, 烤鸭, 免费, 北京饭店
        Assert.Equal(new ActScore(2, 1, 2), result.SlotActs);
        Assert.Equal((3, 3, 3), (result.NTrain, result.NTest, result.Labels));
    }

    [Theory]
    [InlineData("0:400", 0, 400)]
    [InlineData("400:", 400, null)]
    [InlineData(":340", 0, 340)]
    [InlineData("25", 0, 25)]
    [InlineData(":", 0, null)]
    public void Dialogue_ranges_read_as_python_slices(string text, int start, int? end) =>
        Assert.Equal(new DialogueRange(start, end), DialogueRange.Parse(text));

    [Fact]
    public void Dialogue_ranges_refuse_nonsense_and_know_when_they_overlap()
    {
        Assert.Throws<ArgumentException>(() => DialogueRange.Parse("5:2"));
        Assert.Throws<ArgumentException>(() => DialogueRange.Parse("-1:3"));
        Assert.Throws<ArgumentException>(() => DialogueRange.Parse("a"));
        Assert.False(DialogueRange.Parse("0:400").Overlaps(DialogueRange.Parse("400:"), 500));
        Assert.True(DialogueRange.Parse("0:401").Overlaps(DialogueRange.Parse("400:"), 500));
        Assert.True(DialogueRange.All.Overlaps(DialogueRange.Parse("499:"), 500));
        Assert.False(DialogueRange.Parse("0:400").Overlaps(DialogueRange.Parse("500:"), 500));
        var two = CrossWozReader.Parse(Dialogues);
        Assert.Equal("8", Assert.Single(DialogueRange.Parse("1:").Of(two)).Id);
        Assert.Throws<ArgumentException>(() => DialogueRange.Parse("0:3").Of(two));
    }

    [DatasetFact("crosswoz/dev.json")]
    public void A_small_DIET_run_on_CrossWOZ_prints_its_figures_as_JSON()
    {
        string data = Path.Combine(RepoPaths.Shared, "datasets", "crosswoz", "dev.json");
        string config = Path.Combine(folder, "config.yml");
        File.WriteAllText(config, """
            language: zh
            pipeline:
              - name: DIETClassifier
                epochs: 2
                transformer_size: 32
                number_of_transformer_layers: 1
                number_of_attention_heads: 2
                intent_head: similarity
            """);
        var output = new StringWriter();
        var settings = new CrossWozCommand.Settings(data, data, DialogueRange.Parse("0:25"), DialogueRange.Parse("25:30"),
            "usr", NluPipelines.Default, config, Json: true, Predictions: Path.Combine(folder, "predictions.jsonl"));
        Assert.Equal(0, CrossWozCommand.Run(settings, output, TextWriter.Null));

        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        foreach (var field in new[] { "precision", "recall", "f1", "f1_no_value", "slot_f1", "intent_f1" })
            Assert.InRange(root.GetProperty(field).GetDouble(), 0, 1);
        Assert.True(root.GetProperty("train_seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("test_seconds").GetDouble() >= 0);
        Assert.InRange(root.GetProperty("n_train").GetInt32(), 100, 400);  // 25 dialogues of about 8.5 user messages
        Assert.InRange(root.GetProperty("n_test").GetInt32(), 10, 100);
        var lines = File.ReadAllLines(settings.Predictions!);
        Assert.Equal(root.GetProperty("n_test").GetInt32(), lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.NotEmpty(first.RootElement.GetProperty("gold").EnumerateArray());
        Assert.Equal(4, first.RootElement.GetProperty("gold")[0].GetArrayLength());

        var overlapping = settings with { TestDialogues = DialogueRange.Parse("20:30") };
        Assert.Throws<ArgumentException>(() => CrossWozCommand.Run(overlapping, TextWriter.Null, TextWriter.Null));
    }
}
