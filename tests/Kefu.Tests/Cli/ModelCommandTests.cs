using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Tests.Pretrained;

namespace Kefu.Tests.Cli;

/// <summary>`kefu model finetune`, `predict` and `embed` as a person runs them: output lines, files, errors.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-model-cli-" + Guid.NewGuid().ToString("N"));

    public ModelCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { ModelCommands.Create() };
        int code = await root.Parse(["model", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string TrainFile()
    {
        string path = Path.Combine(folder, "train.jsonl");
        File.WriteAllLines(path, FineTuningTests.Data().Examples.Select(e => JsonSerializer.Serialize(new
        {
            text = e.Text,
            intent = e.Intent,
            entities = e.Entities.Select(x => new { start = x.Start, end = x.End, entity = x.Entity, value = x.Value }),
        })));
        return path;
    }

    [TinyBertFact]
    public async Task Finetune_then_predict_writes_a_json_line_per_text()
    {
        string model = Path.Combine(folder, "model");
        var (code, stdout, stderr) = await Run("finetune", "--model", TinyBertFixture.Path, "--train", TrainFile(), "--out", model,
            "--epochs", "2", "--batch-size", "8", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("epoch 2: train loss", stderr);
        using (var result = JsonDocument.Parse(stdout))
        {
            Assert.Equal(Path.GetFullPath(model), result.RootElement.GetProperty("path").GetString());
            Assert.Equal(3, result.RootElement.GetProperty("intents").GetInt32());
            Assert.Equal(1, result.RootElement.GetProperty("entity_types").GetInt32());
        }
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors")));

        string texts = Path.Combine(folder, "texts.txt");
        File.WriteAllLines(texts, ["where is my order 123", "", "我想要退款"]);
        (code, stdout, stderr) = await Run("predict", "--model", model, "--input", texts, "--json");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var line = JsonDocument.Parse(lines[1]);
        var root = line.RootElement;
        Assert.Equal("我想要退款", root.GetProperty("text").GetString());
        Assert.Equal(2, root.GetProperty("input_ids")[0].GetInt32());   // [CLS] in the fixture's vocabulary
        Assert.Equal(3, root.GetProperty("logits").GetArrayLength());
        Assert.Contains(root.GetProperty("label").GetString(), new[] { "help", "refund", "track" });
        Assert.InRange(root.GetProperty("confidence").GetDouble(), 1.0 / 3, 1.0);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("entities").ValueKind);
    }

    [MiniLmEncoderFact]
    public async Task Embed_writes_normalised_sentence_vectors()
    {
        string texts = Path.Combine(folder, "texts.txt");
        File.WriteAllLines(texts, ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]);
        var (code, stdout, stderr) = await Run("embed", "--model", MiniLmEncoderTests.Folder, "--input", texts);
        Assert.True(code == 0, stderr);
        var vectors = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        Assert.Equal(3, vectors.Length);
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        float Cosine(float[] a, float[] b) => a.Zip(b).Sum(p => p.First * p.Second);
        // sentence-transformers' quick start publishes 0.6660, 0.1046 and 0.1411 (these float16 weights: 0.6659, 0.1046, 0.1412)
        Assert.Equal(0.6659f, Cosine(vectors[0], vectors[1]), 3);
        Assert.Equal(0.1046f, Cosine(vectors[0], vectors[2]), 3);
        Assert.Equal(0.1412f, Cosine(vectors[1], vectors[2]), 3);
    }

    [MiniLmEncoderFact]
    public async Task Predict_and_embed_refuse_input_that_is_not_utf8_at_its_line()
    {
        string texts = Path.Combine(folder, "gb18030.txt");
        File.WriteAllBytes(texts, [.. "hello\nwhere is my "u8, 0xB6, 0xA9, 0xB5, 0xA5, .. "\n"u8]); // 订单 in GB18030
        foreach (var (command, model) in new[] { ("embed", MiniLmEncoderTests.Folder), ("predict", TinyBertFixture.Path) })
        {
            var (code, stdout, stderr) = await Run(command, "--model", model, "--input", texts);
            Assert.Equal(1, code);
            Assert.Equal($"error: {texts}:2: not valid UTF-8 (byte 18); save the file as UTF-8", stderr.Trim());
            Assert.Equal("", stdout);
        }
    }

    [TinyBertFact]
    public async Task Bad_input_is_one_error_line_and_exit_code_1()
    {
        string empty = Path.Combine(folder, "empty.csv");
        File.WriteAllText(empty, "text,intent\n");
        var (code, _, stderr) = await Run("finetune", "--model", TinyBertFixture.Path, "--train", empty, "--out", Path.Combine(folder, "m"));
        Assert.Equal(1, code);
        Assert.Contains("error: The training data has no examples.", stderr);

        (code, _, stderr) = await Run("finetune", "--model", folder, "--train", TrainFile(), "--out", Path.Combine(folder, "m"));
        Assert.Equal(1, code);
        Assert.Contains("config.json", stderr);
        Assert.DoesNotContain("   at ", stderr);

        (code, _, stderr) = await Run("predict", "--model", TinyBertFixture.Path, "--input", Path.Combine(folder, "missing.txt"));
        Assert.Equal(1, code);
        Assert.Contains("missing.txt", stderr);
    }
}
