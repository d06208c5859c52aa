using Kefu.Cli.Commands;
using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Generation.Metrics;
using Kefu.Tests.Generation;

namespace Kefu.Tests.Cli;

/// <summary>`kefu generate finetune` then `kefu generate eval` as a person runs them, and Rasa stories as training pairs.</summary>
public sealed class GenerateFinetuneCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-generate-ft-" + Guid.NewGuid().ToString("N"));

    public GenerateFinetuneCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PairsFile()
    {
        string path = Path.Combine(folder, "pairs.jsonl");
        File.WriteAllLines(path, CausalLmFineTuningTests.Pairs().Select(p => JsonSerializer.Serialize(new { context = p.Context, response = p.Responses[0] })));
        return path;
    }

    [Fact]
    public async Task A_train_db_that_is_not_a_conversation_store_is_refused_and_left_as_it_was()
    {
        string empty = Path.Combine(folder, "empty.db"), text = Path.Combine(folder, "notes.db");
        File.WriteAllBytes(empty, []);
        File.WriteAllText(text, "not a database, just text that is long enough to fill a SQLite header");
        foreach (var (db, why) in new[] { (empty, "the file is empty, not a SQLite database"), (text, "the file is not a SQLite database") })
        {
            long length = new FileInfo(db).Length;
            var (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"), "--train", db,
                "--out", Path.Combine(folder, "model"));
            Assert.Equal(1, code);
            Assert.Equal($"error: cannot read the conversation database '{db}': {why} (kefu serve writes one); it was left as it was", stderr.Trim());
            Assert.Equal(length, new FileInfo(db).Length);
        }
        Assert.False(Directory.Exists(Path.Combine(folder, "model")));
    }

    [CausalLmFixtureFact]
    public async Task A_max_length_beyond_the_model_s_context_is_refused_with_both_numbers()
    {
        string model = CausalLmFixture.PathOf("tiny-gpt2");
        var (code, stdout, stderr) = await GenerateCommandTests.Run("finetune", "--model", model, "--train", PairsFile(),
            "--out", Path.Combine(folder, "model"), "--max-length", "129");
        Assert.Equal(1, code);
        Assert.Equal($"error: --max-length 129 is longer than the model's context, 128 tokens (n_positions in {Path.Combine(Path.GetFullPath(model), "config.json")}); give at most 128",
            stderr.Trim().Split('\n')[^1]);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(Path.Combine(folder, "model")));
    }

    [CausalLmFixtureFact]
    public async Task Finetune_then_eval_reports_bleu_and_rouge_that_match_the_metrics_on_the_predictions()
    {
        string data = PairsFile(), model = Path.Combine(folder, "model"), predictions = Path.Combine(folder, "predictions.jsonl");
        var (code, stdout, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"), "--train", data,
            "--val", data, "--out", model, "--epochs", "25", "--lr", "3e-3", "--batch-size", "4", "--warmup-ratio", "0", "--schedule", "Constant", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("epoch 25: validation loss", stderr);
        using (var result = JsonDocument.Parse(stdout))
            Assert.Equal(25, result.RootElement.GetProperty("best_epoch").GetInt32());

        (code, stdout, stderr) = await GenerateCommandTests.Run("eval", "--model", model, "--data", data, "--max-new-tokens", "24", "--predictions", predictions, "--json");
        Assert.True(code == 0, stderr);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.Equal("nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp", root.GetProperty("bleu_signature").GetString());
        Assert.True(root.GetProperty("decoding").GetProperty("greedy").GetBoolean());
        Assert.Equal(24, root.GetProperty("decoding").GetProperty("max_new_tokens").GetInt32());
        // the figures are those of the metrics on what was generated, and memorised pairs score high
        var lines = File.ReadAllLines(predictions).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        string[] generated = [.. lines.Select(l => l.GetProperty("generated").GetString()!)];
        IReadOnlyList<string>[] references = [.. lines.Select(l => (IReadOnlyList<string>)[.. l.GetProperty("response").EnumerateArray().Select(r => r.GetString()!)])];
        Assert.Equal(Math.Round(new CorpusBleu(BleuTokenization.Zh).Score(generated, references).Score, 4), root.GetProperty("bleu").GetDouble());
        Assert.Equal(Math.Round(RougeL.Corpus(generated, references), 4), root.GetProperty("rouge_l").GetDouble());
        Assert.True(root.GetProperty("bleu").GetDouble() > 50, stdout);
    }

    [CausalLmFixtureFact]
    public async Task Lora_finetune_saves_peft_adapters_that_generate_through_the_cli()
    {
        string data = PairsFile(), adapters = Path.Combine(folder, "lora");
        var (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-qwen2"), "--train", data, "--out", adapters,
            "--epochs", "2", "--lora-rank", "4", "--lora-alpha", "8", "--lora-targets", "q_proj,v_proj,down_proj", "--chat");
        Assert.True(code == 0, stderr);
        Assert.Contains("LoRA rank 4, alpha 8", stderr);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapters, "adapter_config.json"))))
        {
            Assert.Equal("LORA", config.RootElement.GetProperty("peft_type").GetString());
            Assert.Equal(4, config.RootElement.GetProperty("r").GetInt32());
            Assert.Equal(["q_proj", "v_proj", "down_proj"], config.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        }
        (code, var stdout, stderr) = await GenerateCommandTests.Run("--model", adapters, "--prompt", "可以退货吗？", "--chat", "--max-new-tokens", "5", "--json");
        Assert.True(code == 0, stderr);
        Assert.InRange(JsonDocument.Parse(stdout).RootElement.GetProperty("generated_ids").GetArrayLength(), 1, 5);
    }

    [Fact]
    public void Rasa_stories_give_user_text_to_bot_template_pairs()
    {
        var project = Kefu.Projects.RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh"));
        var pairs = StoryPairs.From(project);
        Assert.NotEmpty(pairs);
        var first = project.Stories.First();
        var user = first.Steps.OfType<Kefu.Projects.UserStep>().First();
        string context = user.Text ?? project.Nlu.Examples.First(e => e.Intent == user.Intent).Text;
        Assert.Contains(pairs, p => p.Context == context);
        Assert.All(pairs, p => Assert.False(string.IsNullOrWhiteSpace(p.Responses[0])));
        Assert.All(pairs, p => Assert.Contains("stories", p.Source));
    }

    [CausalLmFixtureFact]
    public async Task Bad_training_input_is_one_error_line_with_file_and_line()
    {
        string bad = Path.Combine(folder, "bad.jsonl");
        File.WriteAllLines(bad, ["{\"context\": \"你好\", \"response\": \"您好\"}", "{\"context\": \"你好\"}"]);
        var (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"), "--train", bad, "--out", Path.Combine(folder, "x"));
        Assert.Equal(1, code);
        Assert.Contains($"{bad}:2: no \"response\"", stderr);
        (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"), "--train", PairsFile(), "--out", Path.Combine(folder, "x"), "--early-stopping", "2");
        Assert.Equal(1, code);
        Assert.Contains("--early-stopping needs --val", stderr);
        (code, _, stderr) = await GenerateCommandTests.Run("finetune", "--model", CausalLmFixture.PathOf("tiny-gpt2"), "--train", PairsFile(), "--out", Path.Combine(folder, "x"), "--lora-rank", "4", "--lora-targets", "q_proj");
        Assert.Equal(1, code);
        Assert.Contains("names no module", stderr);
    }
}

/// <summary>`kefu bench crosswoz-nlg` as scripts read it: one JSON line with the contract's fields; overlapping ranges refused.</summary>
public sealed class CrossWozNlgCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new System.CommandLine.RootCommand { CrossWozNlgCommand.Create() };
        int code = await root.Parse(["crosswoz-nlg", .. args]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Json_has_the_contract_fields()
    {
        string data = Path.Combine(RepoPaths.Shared, "datasets", "crosswoz", "dev.json");
        if (!File.Exists(data))
            return; // ../shared/datasets/crosswoz is absent here
        var (code, stdout, stderr) = await Run("--train", data, "--test", data, "--train-dialogues", "0:10", "--test-dialogues", "10:13",
            "--epochs", "1", "--layers", "1", "--hidden", "32", "--heads", "2", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        foreach (string field in new[] { "bleu", "rouge_l", "slot_error_rate", "train_seconds", "n_train", "n_test", "bleu_modal_template" })
            Assert.True(json.RootElement.TryGetProperty(field, out _), field);
        (code, _, stderr) = await Run("--train", data, "--test", data, "--train-dialogues", "0:10", "--test-dialogues", "5:13", "--json");
        Assert.Equal(1, code);
        Assert.Contains("overlap", stderr);
    }

    [CausalLmFixtureFact]
    public async Task A_given_checkpoint_is_fine_tuned_instead_and_scratch_options_are_refused_with_it()
    {
        string data = Path.Combine(RepoPaths.Shared, "datasets", "crosswoz", "dev.json");
        if (!File.Exists(data))
            return;
        var (code, stdout, stderr) = await Run("--train", data, "--test", data, "--train-dialogues", "0:10", "--test-dialogues", "10:13",
            "--model", CausalLmFixture.PathOf("tiny-qwen2"), "--epochs", "1", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("fine-tuning", stderr);
        using (var json = JsonDocument.Parse(stdout))
            Assert.Equal(202304, json.RootElement.GetProperty("parameters").GetInt32());
        (code, _, stderr) = await Run("--train", data, "--test", data, "--train-dialogues", "0:10", "--test-dialogues", "10:13",
            "--model", CausalLmFixture.PathOf("tiny-qwen2"), "--mbr-samples", "4");
        Assert.Equal(1, code);
        Assert.Contains("--mbr-samples shapes the model trained from scratch", stderr);
    }
}
