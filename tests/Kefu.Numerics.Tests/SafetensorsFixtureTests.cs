using System.Text.Json;
using Kefu.Numerics.IO;

namespace Kefu.Numerics.Tests;

/// <summary>A fact that runs only when ../shared/fixtures/tiny-bert (beside the repository) is present.</summary>
public sealed class TinyBertFactAttribute : FactAttribute
{
    public TinyBertFactAttribute()
    {
        if (SafetensorsFixtureTests.TinyBertFolder() is null)
            Skip = "../shared/fixtures/tiny-bert is absent (expected beside the folder holding Kefu.slnx).";
    }
}

/// <summary>Reads a checkpoint written by the Hugging Face tooling, checking shapes against its config.json.</summary>
public sealed class SafetensorsFixtureTests
{
    public static string? TinyBertFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kefu.slnx")))
            {
                string fixture = Path.Combine(folder.FullName, "..", "shared", "fixtures", "tiny-bert");
                return File.Exists(Path.Combine(fixture, "model.safetensors")) ? fixture : null;
            }
        }
        return null;
    }

    static string ModelPath => Path.Combine(TinyBertFolder()!, "model.safetensors");

    /// <summary>BERT parameter shapes as Hugging Face names them, from config.json.</summary>
    static Dictionary<string, long[]> ExpectedShapes()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyBertFolder()!, "config.json")));
        var root = config.RootElement;
        long hidden = root.GetProperty("hidden_size").GetInt64();
        long intermediate = root.GetProperty("intermediate_size").GetInt64();
        long labels = root.GetProperty("id2label").EnumerateObject().Count();
        var shapes = new Dictionary<string, long[]>
        {
            ["bert.embeddings.word_embeddings.weight"] = [root.GetProperty("vocab_size").GetInt64(), hidden],
            ["bert.embeddings.position_embeddings.weight"] = [root.GetProperty("max_position_embeddings").GetInt64(), hidden],
            ["bert.embeddings.token_type_embeddings.weight"] = [root.GetProperty("type_vocab_size").GetInt64(), hidden],
            ["bert.embeddings.LayerNorm.weight"] = [hidden],
            ["bert.embeddings.LayerNorm.bias"] = [hidden],
            ["bert.pooler.dense.weight"] = [hidden, hidden],
            ["bert.pooler.dense.bias"] = [hidden],
            ["classifier.weight"] = [labels, hidden],
            ["classifier.bias"] = [labels],
        };
        for (int layer = 0; layer < root.GetProperty("num_hidden_layers").GetInt32(); layer++)
        {
            string prefix = $"bert.encoder.layer.{layer}.";
            foreach (string projection in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                shapes[prefix + projection + ".weight"] = [hidden, hidden];
                shapes[prefix + projection + ".bias"] = [hidden];
            }
            foreach (string norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                shapes[prefix + norm + ".weight"] = [hidden];
                shapes[prefix + norm + ".bias"] = [hidden];
            }
            shapes[prefix + "intermediate.dense.weight"] = [intermediate, hidden];
            shapes[prefix + "intermediate.dense.bias"] = [intermediate];
            shapes[prefix + "output.dense.weight"] = [hidden, intermediate];
            shapes[prefix + "output.dense.bias"] = [hidden];
        }
        return shapes;
    }

    [TinyBertFact]
    public void Tiny_bert_lists_every_parameter_with_the_configured_shape()
    {
        var expected = ExpectedShapes();
        using var file = SafetensorsFile.Open(ModelPath);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var info in file.Tensors)
        {
            Assert.Equal("F32", info.DType);
            Assert.Equal(expected[info.Name], info.Shape);
        }
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [TinyBertFact]
    public void Tiny_bert_loads_into_named_parameters()
    {
        var shapes = ExpectedShapes();
        var buffers = shapes.ToDictionary(e => e.Key, e => new float[e.Value.Aggregate(1L, (a, b) => a * b)]);
        using var file = SafetensorsFile.Open(ModelPath);

        file.LoadInto(shapes.Select(e => (e.Key, e.Value.Select(d => (int)d).ToArray(), buffers[e.Key].AsMemory())));

        Assert.All(buffers.Values.SelectMany(b => b), value => Assert.True(float.IsFinite(value)));
        Assert.Contains(buffers["bert.embeddings.word_embeddings.weight"], value => value != 0);
        Assert.Equal(file.ReadFloat32("classifier.weight"), buffers["classifier.weight"]);
    }

    [TinyBertFact]
    public void Rewriting_tiny_bert_reproduces_its_data_buffer()
    {
        using var original = SafetensorsFile.Open(ModelPath);
        var tensors = original.Tensors.Select(t => new NamedTensor(t.Name, t.Shape.Select(d => (int)d).ToArray(), original.ReadFloat32(t.Name))).ToList();
        using var rewritten = new MemoryStream();

        SafetensorsWriter.Write(rewritten, tensors, original.Metadata);

        byte[] bytes = rewritten.ToArray();
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(SafetensorsTestFiles.DataBuffer(ModelPath), bytes[(int)(8 + headerLength)..]);
    }
}
