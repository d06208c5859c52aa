using System.Text.Json.Nodes;
using Kefu.Nlu.Pretrained;
using Kefu.Text.WordPiece;

namespace Kefu.Tests.Pretrained;

/// <summary>Loading a Hugging Face checkpoint whose config.json and tensors disagree fails with every problem named.</summary>
public sealed class BertLoadingTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-bert-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    [TinyBertFact]
    public void A_deeper_config_names_the_missing_layer_tensors()
    {
        var error = Assert.Throws<InvalidDataException>(() => BertClassifier.Load(CopyWithConfig(c => c["num_hidden_layers"] = 3)));
        Assert.Contains("missing \"bert.encoder.layer.2.attention.self.query.weight\" (expected shape [32, 32])", error.Message);
        Assert.Contains("16 problems", error.Message);
    }

    [TinyBertFact]
    public void A_shallower_config_names_the_unexpected_tensors()
    {
        var error = Assert.Throws<InvalidDataException>(() => BertClassifier.Load(CopyWithConfig(c => c["num_hidden_layers"] = 1)));
        Assert.Contains("unexpected \"bert.encoder.layer.1.output.dense.weight\" (shape [32, 128])", error.Message);
    }

    [TinyBertFact]
    public void A_wrong_size_names_the_tensor_and_both_shapes()
    {
        var error = Assert.Throws<InvalidDataException>(() => BertClassifier.Load(CopyWithConfig(c => c["intermediate_size"] = 64)));
        Assert.Contains("\"bert.encoder.layer.0.intermediate.dense.weight\" has shape [128, 32] but config.json implies [64, 32]", error.Message);
    }

    [TinyBertFact]
    public void New_labels_get_a_new_head_over_the_loaded_encoder()
    {
        var loaded = BertClassifier.Load(TinyBertFixture.Path);
        var fresh = BertClassifier.Load(TinyBertFixture.Path, ["a", "b", "c", "d", "e"]);
        Assert.Equal(5, fresh.Labels.Count);
        Assert.Equal(loaded.Pooler.Dense.Weight.ToArray(), fresh.Pooler.Dense.Weight.ToArray());
        var batch = BertTokenizer.Load(TinyBertFixture.Path).EncodeBatch(["where is my order"], 32);
        Assert.Equal(5, fresh.Logits(batch).Length);
    }

    [TinyBertFact]
    public void Malformed_config_json_reports_the_line()
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\n  \"hidden_size\": 32,\n  oops\n}");
        var error = Assert.Throws<InvalidDataException>(() => BertClassifier.Load(folder));
        Assert.Contains("config.json:3:", error.Message);
    }

    private string CopyWithConfig(Action<JsonObject> edit)
    {
        Directory.CreateDirectory(folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyBertFixture.Path, "config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        File.Copy(Path.Combine(TinyBertFixture.Path, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        return folder;
    }

    [TinyBertFact]
    public void A_plain_classifier_folder_reads_at_most_its_tokenizers_model_max_length()
    {
        // the fixture's tokenizer says model_max_length 64; the default 128 used to fail every prediction on it
        var nlu = TransformerNlu.Load(TinyBertFixture.Path);
        Assert.Equal(64, nlu.MaxLength);
        Assert.Equal(3, nlu.Predict("where is my card").Probabilities.Length);
        Assert.Equal(32, TransformerNlu.Load(TinyBertFixture.Path, maxLength: 32).MaxLength);
    }
}
