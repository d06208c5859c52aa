using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Generation.CausalLm;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.IO;

namespace Kefu.Tests.Generation;

/// <summary>Loading causal LMs from Hugging Face folders: 16-bit and sharded weights, and the errors of bad checkpoints.</summary>
public sealed class CausalLmLoadingTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("kefu-causal-lm-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2", SafetensorDType.BF16, 3e-2f)]
    [InlineData("tiny-qwen2", SafetensorDType.F16, 3e-3f)]
    public void Sharded_16_bit_weights_load_like_the_float32_file(string name, SafetensorDType dtype, float tolerance)
    {
        string source = CausalLmFixture.PathOf(name);
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(temp, "config.json"));
        var tensors = ReadAll(Path.Combine(source, "model.safetensors"));
        // two shards and the index that maps each tensor to its shard
        var shards = new[] { tensors.Where((_, i) => i % 2 == 0).ToList(), tensors.Where((_, i) => i % 2 == 1).ToList() };
        var map = new JsonObject();
        for (int s = 0; s < 2; s++)
        {
            string file = $"model-0000{s + 1}-of-00002.safetensors";
            SafetensorsWriter.Write(Path.Combine(temp, file), shards[s], dtype: dtype);
            foreach (var t in shards[s])
                map[t.Name] = file;
        }
        File.WriteAllText(Path.Combine(temp, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());

        var f = CausalLmFixture.Load(name);
        var model = CausalLanguageModel.Load(temp);
        var logits = model.Logits(new Graph(recordTape: false), f.PaddedIds, f.Mask, f.Batch, f.Time);
        CausalLmFixture.Near(f.LogitsFirstText[0], logits.Row(0), tolerance, $"{dtype} shards");
    }

    [CausalLmFixtureFact]
    public void A_missing_tensor_is_named()
    {
        string source = CausalLmFixture.PathOf("tiny-qwen2");
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(temp, "config.json"));
        SafetensorsWriter.Write(Path.Combine(temp, "model.safetensors"),
            ReadAll(Path.Combine(source, "model.safetensors")).Where(t => t.Name != "model.layers.1.mlp.up_proj.weight"));
        var e = Assert.Throws<InvalidDataException>(() => CausalLanguageModel.Load(temp));
        Assert.Contains("missing \"model.layers.1.mlp.up_proj.weight\" (expected shape [128, 64])", e.Message);
    }

    [CausalLmFixtureFact]
    public void A_tensor_of_the_wrong_shape_is_named()
    {
        string source = CausalLmFixture.PathOf("tiny-gpt2");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!;
        config["n_positions"] = 64;
        File.WriteAllText(Path.Combine(temp, "config.json"), config.ToJsonString());
        File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(temp, "model.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => CausalLanguageModel.Load(temp));
        Assert.Contains("\"transformer.wpe.weight\" has shape [128, 64] but config.json implies [64, 64]", e.Message);
    }

    [Theory]
    [InlineData("""{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}""", "model_type \"llama\" (LlamaForCausalLM) is not supported")]
    [InlineData("""{"model_type": "gpt2", "architectures": ["GPT2ForSequenceClassification"]}""", "architectures [GPT2ForSequenceClassification] is not GPT2LMHeadModel")]
    [InlineData("""{"model_type": "qwen2", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""", "rope_type \"yarn\" is not supported")]
    [InlineData("""{"model_type": "qwen2", "use_sliding_window": true}""", "use_sliding_window true is not supported")]
    [InlineData("""{"model_type": "qwen2", "num_attention_heads": 6, "num_key_value_heads": 4, "hidden_size": 48}""", "must be a multiple of 4 key/value heads")]
    public void Unsupported_configurations_are_named(string json, string expected)
    {
        File.WriteAllText(Path.Combine(temp, "config.json"), json);
        var e = Assert.Throws<InvalidDataException>(() => CausalLmConfig.Load(Path.Combine(temp, "config.json")));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Rope_parameters_and_legacy_rope_theta_are_both_read()
    {
        File.WriteAllText(Path.Combine(temp, "a.json"), """{"model_type": "qwen2", "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}}""");
        File.WriteAllText(Path.Combine(temp, "b.json"), """{"model_type": "qwen2", "rope_theta": 500000.0, "rope_scaling": null, "tie_word_embeddings": false, "eos_token_id": [1, 2]}""");
        var a = CausalLmConfig.Load(Path.Combine(temp, "a.json"));
        var b = CausalLmConfig.Load(Path.Combine(temp, "b.json"));
        Assert.Equal(1e6f, a.RopeTheta);
        Assert.True(a.TieWordEmbeddings);
        Assert.Equal(5e5f, b.RopeTheta);
        Assert.False(b.TieWordEmbeddings);
        Assert.Equal([1, 2], b.EosTokenIds);
    }

    [Fact]
    public void A_folder_without_weights_says_so()
    {
        File.WriteAllText(Path.Combine(temp, "config.json"), """{"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 1, "vocab_size": 10, "n_positions": 4}""");
        File.WriteAllText(Path.Combine(temp, "pytorch_model.bin"), "");
        var e = Assert.Throws<FileNotFoundException>(() => CausalLanguageModel.Load(temp));
        Assert.Contains("pytorch_model.bin", e.Message);
    }

    private static List<NamedTensor> ReadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return [.. file.Tensors.Select(t => new NamedTensor(t.Name, [.. t.Shape.Select(d => (int)d)], file.ReadFloat32(t.Name)))];
    }
}

/// <summary>A fact that skips with a message when ../shared/fixtures/tiny-gpt2 or tiny-qwen2 is absent.</summary>
public sealed class CausalLmFixtureFactAttribute : FactAttribute
{
    public CausalLmFixtureFactAttribute()
    {
        if (!CausalLmFixture.Present("tiny-gpt2") || !CausalLmFixture.Present("tiny-qwen2"))
            Skip = "../shared/fixtures/tiny-gpt2 or tiny-qwen2 is absent (expected beside the folder holding Kefu.slnx).";
    }
}
