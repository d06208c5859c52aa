using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Tests.Generation;

namespace Kefu.Tests.Cli;

/// <summary>`kefu generate` on the tiny fixtures: ids and greedy continuations as transformers made them, and bad input.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-generate-cli-" + Guid.NewGuid().ToString("N"));

    public GenerateCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { GenerateCommand.Create() };
        int code = await root.Parse(["generate", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static IEnumerable<(string Prompt, int[] PromptIds, int[] Generated, string Text)> Greedy(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(CausalLmFixture.PathOf(name), "expected.json")));
        return [.. document.RootElement.GetProperty("greedy").EnumerateArray().Select(e => (
            e.GetProperty("prompt").GetString()!,
            e.GetProperty("prompt_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            e.GetProperty("generated_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            e.GetProperty("text").GetString()!))];
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public async Task Json_prompt_ids_and_greedy_continuation_equal_transformers(string name)
    {
        foreach (var (prompt, promptIds, generated, text) in Greedy(name))
        {
            var (code, stdout, stderr) = await Run("--model", CausalLmFixture.PathOf(name), "--prompt", prompt, "--max-new-tokens", "20", "--json");
            Assert.True(code == 0, stderr);
            using var result = JsonDocument.Parse(stdout);
            var root = result.RootElement;
            Assert.Equal(promptIds, root.GetProperty("prompt_ids").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(generated, root.GetProperty("generated_ids").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(text, root.GetProperty("text").GetString());
            Assert.Equal("length", root.GetProperty("finish_reason").GetString());
        }
    }

    [CausalLmFixtureFact]
    public async Task Streamed_text_equals_the_decoded_continuation()
    {
        var (prompt, _, _, text) = Greedy("tiny-gpt2").First();
        var (code, stdout, stderr) = await Run("--model", CausalLmFixture.PathOf("tiny-gpt2"), "--prompt", prompt, "--max-new-tokens", "20");
        Assert.True(code == 0, stderr);
        Assert.Equal(text + Environment.NewLine, stdout);
        Assert.Contains("20 tokens", stderr);
    }

    [CausalLmFixtureFact]
    public async Task Chat_renders_the_qwen_template_into_the_fixture_ids_and_sampling_stays_within_max_tokens()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(CausalLmFixture.PathOf("tiny-qwen2"), "expected.json")));
        var chat = document.RootElement.GetProperty("chat");
        int[] expected = [.. chat.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32())];
        var messages = chat.GetProperty("messages").EnumerateArray().ToArray();
        var (code, stdout, stderr) = await Run("--model", CausalLmFixture.PathOf("tiny-qwen2"), "--chat",
            "--system", messages[0].GetProperty("content").GetString()!, "--prompt", messages[1].GetProperty("content").GetString()!,
            "--temperature", "0.9", "--top-p", "0.95", "--top-k", "50", "--seed", "7", "--max-new-tokens", "6", "--json");
        Assert.True(code == 0, stderr);
        using var result = JsonDocument.Parse(stdout);
        Assert.Equal(expected, result.RootElement.GetProperty("prompt_ids").EnumerateArray().Select(v => v.GetInt32()));
        Assert.InRange(result.RootElement.GetProperty("generated_ids").GetArrayLength(), 1, 6);
        var again = await Run("--model", CausalLmFixture.PathOf("tiny-qwen2"), "--chat",
            "--system", messages[0].GetProperty("content").GetString()!, "--prompt", messages[1].GetProperty("content").GetString()!,
            "--temperature", "0.9", "--top-p", "0.95", "--top-k", "50", "--seed", "7", "--max-new-tokens", "6", "--json");
        Assert.Equal(stdout, again.Out);
    }

    private string CopyOf(string name)
    {
        string copy = Path.Combine(folder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(CausalLmFixture.PathOf(name)))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    [CausalLmFixtureFact]
    public async Task Bad_input_gives_one_clear_error_line()
    {
        string gpt2 = CausalLmFixture.PathOf("tiny-gpt2");
        async Task Fails(string expected, params string[] args)
        {
            var (code, stdout, stderr) = await Run(args);
            Assert.Equal(1, code);
            Assert.Contains(expected, stderr);
            Assert.DoesNotContain("   at ", stderr);
            Assert.Equal("", stdout);
        }

        string llama = CopyOf("tiny-gpt2");
        File.WriteAllText(Path.Combine(llama, "config.json"), File.ReadAllText(Path.Combine(llama, "config.json")).Replace("\"gpt2\"", "\"llama\""));
        await Fails("model_type \"llama\"", "--model", llama, "--prompt", "hi");

        string deeper = CopyOf("tiny-gpt2");
        File.WriteAllText(Path.Combine(deeper, "config.json"), File.ReadAllText(Path.Combine(deeper, "config.json")).Replace("\"n_layer\": 2", "\"n_layer\": 3"));
        await Fails("missing \"transformer.h.2.ln_1.weight\"", "--model", deeper, "--prompt", "hi");

        string broken = CopyOf("tiny-gpt2");
        File.WriteAllText(Path.Combine(broken, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        await Fails("tokenizer.json:", "--model", broken, "--prompt", "hi");

        await Fails("more than the model's context of 128", "--model", gpt2, "--prompt", string.Concat(Enumerable.Repeat("订单 ", 200)));
        await Fails("cannot be combined", "--model", gpt2, "--prompt", "hi", "--greedy", "--temperature", "0.7");
        await Fails("TopP must be in (0, 1]", "--model", gpt2, "--prompt", "hi", "--top-p", "1.5");
        await Fails("no chat template", "--model", gpt2, "--prompt", "hi", "--chat");
    }
}
