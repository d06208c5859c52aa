using Kefu.Text.WordPiece;
using System.Text.Json;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;

namespace Kefu.Nlu.Pretrained;

/// <summary>The BERT-family layouts Kefu reads: the same post-LN encoder, different names and embedding details.</summary>
public enum EncoderArchitecture
{
    /// <summary>BERT and everything saved as model_type "bert" (bert-base-chinese, chinese-roberta-wwm-ext, MiniLM).</summary>
    Bert,
    /// <summary>RoBERTa / XLM-RoBERTa / CamemBERT: positions start after the padding id, one token type, no pooler in the head.</summary>
    Roberta,
    /// <summary>DistilBERT: no token types, no pooler; its classifier is pre_classifier (ReLU) + classifier.</summary>
    DistilBert,
}

/// <summary>The fields of a Hugging Face config.json that shape a BERT-family encoder.</summary>
/// <param name="Labels">Class names by id (id2label); empty for a model without a classification head yet.</param>
/// <param name="PositionOffset">Position id of the first token: 0, or RoBERTa's padding id + 1.</param>
public sealed record BertConfig(
    int VocabularySize,
    int Hidden,
    int Layers,
    int Heads,
    int Intermediate,
    int MaxPositions,
    int TokenTypes,
    float LayerNormEps,
    GeluKind Gelu,
    float HiddenDropout,
    float AttentionDropout,
    float ClassifierDropout,
    IReadOnlyList<string> Labels,
    EncoderArchitecture Architecture = EncoderArchitecture.Bert,
    string ModelType = "bert",
    int PositionOffset = 0)
{
    /// <summary>model_type values Kefu loads, for error messages.</summary>
    public const string Supported = "bert, roberta, xlm-roberta, camembert, distilbert";

    public TransformerConfig Encoder => new(Hidden, Layers, Heads, Intermediate, HiddenDropout, AttentionDropout,
        PreLayerNorm: false, Gelu, LayerNormEps);

    public static BertConfig Load(string path)
    {
        return HuggingFaceJson.ReadObject(path, root =>
        {
            string modelType = String(path, root, "model_type")
                ?? throw new InvalidDataException($"{path}: no \"model_type\"; Kefu loads {Supported}.");
            var config = modelType switch
            {
                "bert" => ReadBert(path, root, EncoderArchitecture.Bert, modelType),
                "roberta" or "xlm-roberta" or "camembert" => ReadBert(path, root, EncoderArchitecture.Roberta, modelType),
                "distilbert" => ReadDistilBert(path, root),
                _ => throw new InvalidDataException($"{path}: model_type \"{modelType}\" is not supported; Kefu loads {Supported}."),
            };
            try
            {
                config.Encoder.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
            return config;
        });
    }

    private static BertConfig ReadBert(string path, JsonElement root, EncoderArchitecture architecture, string modelType)
    {
        string positions = String(path, root, "position_embedding_type") ?? "absolute";
        if (positions != "absolute")
            throw new InvalidDataException($"{path}: position_embedding_type \"{positions}\" is not supported; only \"absolute\".");
        float hiddenDropout = Number(path, root, "hidden_dropout_prob", 0.1f);
        // RoBERTa numbers positions from padding_idx + 1 (create_position_ids_from_input_ids)
        int offset = architecture == EncoderArchitecture.Roberta ? Integer(path, root, "pad_token_id", 1, allowZero: true) + 1 : 0;
        return new BertConfig(
            Integer(path, root, "vocab_size", null),
            Integer(path, root, "hidden_size", 768),
            Integer(path, root, "num_hidden_layers", 12),
            Integer(path, root, "num_attention_heads", 12),
            Integer(path, root, "intermediate_size", 3072),
            Integer(path, root, "max_position_embeddings", 512),
            Integer(path, root, "type_vocab_size", 2),
            Number(path, root, "layer_norm_eps", 1e-12f),
            Activation(path, String(path, root, "hidden_act") ?? "gelu"),
            hiddenDropout,
            Number(path, root, "attention_probs_dropout_prob", 0.1f),
            Number(path, root, "classifier_dropout", hiddenDropout),
            LabelNames(path, root),
            architecture,
            modelType,
            offset);
    }

    // DistilBertConfig's own names; LayerNorm eps is fixed at 1e-12 in its modeling code
    private static BertConfig ReadDistilBert(string path, JsonElement root)
    {
        if (root.TryGetProperty("sinusoidal_pos_embds", out var sinusoidal) && sinusoidal.ValueKind == JsonValueKind.True)
            throw new InvalidDataException($"{path}: sinusoidal_pos_embds true is not supported; only learned positions.");
        float dropout = Number(path, root, "dropout", 0.1f);
        return new BertConfig(
            Integer(path, root, "vocab_size", null),
            Integer(path, root, "dim", 768),
            Integer(path, root, "n_layers", 6),
            Integer(path, root, "n_heads", 12),
            Integer(path, root, "hidden_dim", 3072),
            Integer(path, root, "max_position_embeddings", 512),
            0,
            1e-12f,
            Activation(path, String(path, root, "activation") ?? "gelu"),
            dropout,
            Number(path, root, "attention_dropout", 0.1f),
            Number(path, root, "seq_classif_dropout", 0.2f),
            LabelNames(path, root),
            EncoderArchitecture.DistilBert,
            "distilbert");
    }

    // "gelu" is the exact erf form in Hugging Face; the tanh approximations go by these names
    private static GeluKind Activation(string path, string name) => name switch
    {
        "gelu" => GeluKind.Exact,
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => GeluKind.Tanh,
        _ => throw new InvalidDataException($"{path}: hidden_act \"{name}\" is not supported; use gelu, gelu_new or gelu_pytorch_tanh."),
    };

    private static string[] LabelNames(string path, JsonElement root)
    {
        if (!root.TryGetProperty("id2label", out var map) || map.ValueKind == JsonValueKind.Null)
            return [];
        if (map.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: \"id2label\" must be an object of id to name.");
        var labels = new string[map.EnumerateObject().Count()];
        foreach (var entry in map.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out int id) || (uint)id >= (uint)labels.Length || labels[id] is not null || entry.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: \"id2label\" entry \"{entry.Name}\" must map an id in [0, {labels.Length}) used once to a name.");
            labels[id] = entry.Value.GetString()!;
        }
        return labels;
    }

    private static string? String(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new InvalidDataException($"{path}: \"{key}\" must be a string, got {value}.");
    }

    private static int Integer(string path, JsonElement root, string key, int? fallback, bool allowZero = false)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback ?? throw new InvalidDataException($"{path}: \"{key}\" is required.");
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && (n > 0 || (allowZero && n == 0))
            ? n
            : throw new InvalidDataException($"{path}: \"{key}\" must be a positive integer, got {value}.");
    }

    private static float Number(string path, JsonElement root, string key, float fallback)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind == JsonValueKind.Number && value.GetDouble() >= 0
            ? (float)value.GetDouble()
            : throw new InvalidDataException($"{path}: \"{key}\" must be a non-negative number, got {value}.");
    }
}
