using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Nlu.Evaluation;
using Kefu.Tests.Nlu;

namespace Kefu.Tests.Cli;

/// <summary>`kefu test nlu` as a person runs it: the files Rasa writes, cross-validation, comparison, and bad input.</summary>
public sealed class TestNluCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("kefu-test-nlu-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { TestCommand.Create() };
        int code = await root.Parse(["test", "nlu", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string JsonLines(string name, IEnumerable<Kefu.Nlu.NluExample> examples)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllLines(path, examples.Select(e => JsonSerializer.Serialize(new
        {
            text = e.Text,
            intent = e.Intent,
            entities = e.Entities.Select(x => new { start = x.Start, end = x.End, entity = x.Entity, value = x.Value }),
        })));
        return path;
    }

    private string Csv(string name, IEnumerable<Kefu.Nlu.NluExample> examples)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllLines(path, ["text,intent", .. examples.Select(e => $"\"{e.Text.Replace("\"", "\"\"")}\",{e.Intent}")]);
        return path;
    }

    private string Config(string name, string pipeline)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, $"language: en\npipeline:\n{pipeline}");
        return path;
    }

    [Fact]
    public async Task Train_and_test_files_give_rasas_report_files_and_a_page()
    {
        var data = NluTestData.WithEntities().Examples;
        string train = JsonLines("train.jsonl", data.Where((_, i) => i % 4 != 0));
        string test = JsonLines("test.jsonl", data.Where((_, i) => i % 4 == 0));
        string output = Path.Combine(folder, "out");
        var (code, stdout, stderr) = await Run("--train", train, "--nlu", test, "--out", output, "--json");
        Assert.True(code == 0, stderr);

        using var summary = JsonDocument.Parse(stdout);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "intent_report.json")));
        var root = report.RootElement;
        Assert.Equal(root.GetProperty("accuracy").GetDouble(), summary.RootElement.GetProperty("intent_accuracy").GetDouble(), 4);
        Assert.Equal(data.Where((_, i) => i % 4 == 0).Count(), root.GetProperty("weighted avg").GetProperty("support").GetInt32());
        foreach (var intent in new[] { "book_flight", "weather", "buy" })
        {
            var row = root.GetProperty(intent);
            foreach (var field in new[] { "precision", "recall", "f1-score", "support" }) Assert.Equal(JsonValueKind.Number, row.GetProperty(field).ValueKind);
            Assert.Equal(JsonValueKind.Object, row.GetProperty("confused_with").ValueKind);
        }
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "intent_errors.json"))).RootElement.ValueKind);
        using var entities = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "CRFEntityExtractor_report.json")));
        Assert.True(entities.RootElement.TryGetProperty("city", out _));
        Assert.True(entities.RootElement.TryGetProperty("micro avg", out _));
        Assert.False(entities.RootElement.TryGetProperty("no_entity", out _));
        Assert.True(File.Exists(Path.Combine(output, "CRFEntityExtractor_errors.json")));
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("id=\"confusion-matrix\"", html);
        Assert.Contains("Entities: CRFEntityExtractor", html);
    }

    [Fact]
    public async Task A_diet_pipeline_reports_its_entities_as_DIETClassifier()
    {
        var data = NluTestData.WithEntities().Examples;
        string file = JsonLines("data.jsonl", data);
        string diet = Config("diet.yml", "  - name: DIETClassifier\n    epochs: 2\n");
        string output = Path.Combine(folder, "diet");
        var (code, stdout, stderr) = await Run("--config", diet, "--train", file, "--nlu", file, "--out", output, "--json");
        Assert.True(code == 0, stderr);
        using var summary = JsonDocument.Parse(stdout);
        Assert.True(summary.RootElement.GetProperty("entity_f1").TryGetProperty("DIETClassifier", out _));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "DIETClassifier_report.json")));
        Assert.Equal(data.Sum(e => e.Entities.Sum(x => EntityReport.Tokens(e.Text).Count(t => t.Start >= x.Start && t.End <= x.End))),
            report.RootElement.GetProperty("weighted avg").GetProperty("support").GetInt32());
    }

    [Fact]
    public async Task Cross_validation_pools_the_held_out_predictions_of_every_fold()
    {
        string data = Csv("intents.csv", NluTestData.Intentions().Examples);
        string output = Path.Combine(folder, "cv");
        var (code, stdout, stderr) = await Run("--nlu", data, "--cross-validation", "--folds", "3", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("fold 3/3", stderr);
        Assert.Contains("per fold: accuracy", stdout);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "intent_report.json")));
        Assert.Equal(40, report.RootElement.GetProperty("macro avg").GetProperty("support").GetInt32());
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(output, "report.html")), "<tr><td>\\d</td>").Count);
    }

    [Fact]
    public async Task A_fold_count_above_the_smallest_intents_examples_is_explained()
    {
        var examples = NluTestData.Intentions().Examples.Where(e => e.Intent != "greet" || e.Text.StartsWith("he", StringComparison.Ordinal)).ToList();
        string data = Csv("few.csv", examples);
        var (code, _, stderr) = await Run("--nlu", data, "--cross-validation", "--folds", "5", "--out", Path.Combine(folder, "cv"));
        Assert.Equal(1, code);
        Assert.Contains("--folds 5 is more than the smallest intent's example count: greet (3)", stderr);
        Assert.Contains("use --folds 3 or fewer", stderr);
    }

    [Fact]
    public async Task Malformed_test_files_are_reported_at_their_line()
    {
        string model = Csv("train.csv", NluTestData.Intentions().Examples);
        string csv = Path.Combine(folder, "bad.csv");
        File.WriteAllText(csv, "text,intent\nhello,greet\n\"where is it,track_order\n");
        var (code, _, stderr) = await Run("--train", model, "--nlu", csv, "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains($"{csv}:3: unterminated quoted field", stderr);

        string yaml = Path.Combine(folder, "bad.yml");
        File.WriteAllText(yaml, "version: \"3.1\"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n  - intent: bye\n");
        (code, _, stderr) = await Run("--train", model, "--nlu", yaml, "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains($"{yaml}:6:3: error: malformed YAML", stderr);

        File.WriteAllText(yaml, "version: \"3.1\"\nnlu:\n- intent: bye\n  examples: |\n    - see you [there](place\n");
        (code, _, stderr) = await Run("--train", model, "--nlu", yaml, "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains($"{yaml}:5:", stderr);
        Assert.Contains("is never closed", stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public async Task Without_a_model_or_a_project_it_says_what_to_give()
    {
        Assert.False(File.Exists("config.yml") || File.Exists("domain.yml"), "the tests' working folder must not look like a project");
        var (code, _, stderr) = await Run("--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains("no model and no project: give --project DIR", stderr);
        (code, _, stderr) = await Run("--model", Path.Combine(folder, "model.kefu"), "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains("--model FILE with --nlu FILE", stderr);
        (code, _, stderr) = await Run("--model", Path.Combine(folder, "missing.kefu"), "--nlu", Csv("t.csv", NluTestData.Intentions().Examples));
        Assert.Equal(1, code);
        Assert.Contains("missing.kefu", stderr);
    }

    /// <summary>A project whose NLU data is <see cref="NluTestData.Intentions"/>, trained with the linear pipeline.</summary>
    private string Project()
    {
        string dir = Path.Combine(folder, "bot");
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        var intents = NluTestData.Intentions().Examples.GroupBy(e => e.Intent).ToList();
        File.WriteAllText(Path.Combine(dir, "domain.yml"), $"version: \"3.1\"\nintents: [{string.Join(", ", intents.Select(g => g.Key))}]\n" +
            "responses:\n  utter_greet:\n    - text: hello\n");
        File.WriteAllText(Path.Combine(dir, "config.yml"), "language: en\npipeline:\n  - name: LogisticRegressionClassifier\npolicies:\n  - name: RulePolicy\n");
        File.WriteAllText(Path.Combine(dir, "data", "nlu.yml"), "version: \"3.1\"\nnlu:\n" + string.Concat(intents.Select(g =>
            $"- intent: {g.Key}\n  examples: |\n" + string.Concat(g.Select(e => $"    - {e.Text}\n")))));
        File.WriteAllText(Path.Combine(dir, "data", "rules.yml"), "version: \"3.1\"\nrules:\n- rule: hi\n  steps:\n  - intent: greet\n  - action: utter_greet\n");
        return dir;
    }

    [Fact]
    public async Task A_project_without_nlu_is_evaluated_on_its_training_data_and_says_so()
    {
        string project = Project();
        string output = Path.Combine(folder, "own");
        var (code, stdout, stderr) = await Run("--project", project, "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("No --nlu given: evaluating on the project's own training data", stderr);
        Assert.Contains("intent accuracy", stdout);
        Assert.True(File.Exists(Path.Combine(project, "models", "model.kefu")));
        Assert.Contains("No --nlu given", File.ReadAllText(Path.Combine(output, "report.html")));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "intent_report.json")));
        Assert.Equal(40, report.RootElement.GetProperty("weighted avg").GetProperty("support").GetInt32());
    }

    [Fact]
    public async Task A_malformed_test_file_stops_a_project_run_before_training()
    {
        string project = Project();
        string bad = Path.Combine(folder, "bad.csv");
        File.WriteAllText(bad, "words,label\nhi,greet\n");
        var (code, _, stderr) = await Run("--project", project, "--nlu", bad, "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains($"{bad}:1: header 'words,label' lacks a 'text'", stderr);
        Assert.False(Directory.Exists(Path.Combine(project, "models")), "nothing is trained for a test file that cannot be read");
    }

    [Fact]
    public async Task Several_configs_are_compared_over_excluded_percentages()
    {
        string data = Csv("intents.csv", NluTestData.Intentions().Examples);
        string linear = Config("linear.yml", "  - name: WhitespaceTokenizer\n  - name: LogisticRegressionClassifier\n");
        string fallback = Config("fallback.yml", "  - name: LogisticRegressionClassifier\n  - name: FallbackClassifier\n    threshold: 0.9\n");
        string output = Path.Combine(folder, "compare");
        var (code, stdout, stderr) = await Run("--nlu", data, "--config", linear, fallback, "--percentages", "0", "50", "--runs", "2",
            "--out", output, "--json");
        Assert.True(code == 0, stderr);

        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        foreach (var name in new[] { "linear", "fallback" })
        {
            var runs = results.RootElement.GetProperty(name);
            Assert.Equal(2, runs.GetArrayLength());
            Assert.All(runs.EnumerateArray(), r => Assert.Equal(2, r.GetArrayLength()));
        }
        using var summary = JsonDocument.Parse(stdout);
        var examples = summary.RootElement.GetProperty("training_examples").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(32, examples[0]);                    // 8 of each intent's 10 after the 80/20 split
        Assert.Equal(16, examples[1]);                    // half of them left out
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("id=\"nlu-model-comparison-graph\"", html);
        Assert.Contains("data-config=\"linear\"", html);
        Assert.Contains("data-config=\"fallback\"", html);
    }

    [Fact]
    public async Task Comparison_rejects_percentages_outside_0_to_100()
    {
        string data = Csv("intents.csv", NluTestData.Intentions().Examples);
        string a = Config("a.yml", "  - name: LogisticRegressionClassifier\n"), b = Config("b.yml", "  - name: LogisticRegressionClassifier\n");
        var (code, _, stderr) = await Run("--nlu", data, "--config", a, b, "--percentages", "0", "100", "--out", Path.Combine(folder, "o"));
        Assert.Equal(1, code);
        Assert.Contains("each must be at least 0 and below 100", stderr);
    }
}
