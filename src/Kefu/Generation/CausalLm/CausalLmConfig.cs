using System.Text.Json;
using Kefu.Text.WordPiece;

namespace Kefu.Generation.CausalLm;

/// <summary>The decoder families Kefu runs.</summary>
public enum CausalLmArchitecture
{
    /// <summary>GPT2LMHeadModel (GPT-2, DialoGPT, distilgpt2): learned positions, pre-LN LayerNorm, tanh GELU, tied head.</summary>
    Gpt2,
    /// <summary>Qwen2ForCausalLM (Qwen2, Qwen2.5): RMSNorm, rotary positions, SwiGLU, grouped-query attention, q/k/v biases.</summary>
    Qwen2,
}

/// <summary>The fields of a Hugging Face config.json that shape a causal language model.</summary>
/// <param name="KvHeads">Key/value heads (num_key_value_heads); equal to Heads for GPT-2.</param>
/// <param name="HeadDim">Head size: head_dim when given, else Hidden / Heads.</param>
/// <param name="Intermediate">MLP width: GPT-2's n_inner (default 4 · Hidden), Qwen2's intermediate_size.</param>
/// <param name="MaxPositions">The context: n_positions or max_position_embeddings.</param>
/// <param name="NormEps">layer_norm_epsilon or rms_norm_eps.</param>
/// <param name="RopeTheta">Rotary base (Qwen2); 0 for GPT-2.</param>
public sealed record CausalLmConfig(
    CausalLmArchitecture Architecture,
    int VocabularySize,
    int Hidden,
    int Layers,
    int Heads,
    int KvHeads,
    int HeadDim,
    int Intermediate,
    int MaxPositions,
    float NormEps,
    float RopeTheta,
    bool TieWordEmbeddings,
    int? BosTokenId,
    IReadOnlyList<int> EosTokenIds)
{
    /// <summary>model_type values Kefu loads, for error messages.</summary>
    public const string Supported = "gpt2 (GPT2LMHeadModel) and qwen2 (Qwen2ForCausalLM)";

    public static CausalLmConfig Load(string path) => HuggingFaceJson.ReadObject(path, root =>
    {
        string modelType = String(path, root, "model_type")
            ?? throw new InvalidDataException($"{path}: no \"model_type\"; Kefu loads {Supported}.");
        string[] architectures = root.TryGetProperty("architectures", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(a => a.GetString() ?? "")]
            : [];
        var config = modelType switch
        {
            "gpt2" => ReadGpt2(path, root),
            "qwen2" => ReadQwen2(path, root),
            _ => throw new InvalidDataException($"{path}: model_type \"{modelType}\" ({string.Join(", ", architectures)}) is not supported; Kefu loads {Supported}."),
        };
        string expected = config.Architecture == CausalLmArchitecture.Gpt2 ? "GPT2LMHeadModel" : "Qwen2ForCausalLM";
        if (architectures.Length > 0 && !architectures.Contains(expected))
            throw new InvalidDataException($"{path}: architectures [{string.Join(", ", architectures)}] is not {expected}; Kefu generates with causal LM heads only ({Supported}).");
        if (config.Heads % config.KvHeads != 0 || config.HeadDim % 2 != 0)
            throw new InvalidDataException($"{path}: {config.Heads} attention heads must be a multiple of {config.KvHeads} key/value heads, with an even head size (got {config.HeadDim}).");
        return config;
    });

    // transformers: models/gpt2/configuration_gpt2.py and modeling_gpt2.py
    private static CausalLmConfig ReadGpt2(string path, JsonElement root)
    {
        string activation = String(path, root, "activation_function") ?? "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu_fast"))
            throw new InvalidDataException($"{path}: activation_function \"{activation}\" is not supported; GPT-2 runs the tanh GELU (gelu_new).");
        if (Bool(root, "scale_attn_by_inverse_layer_idx") || Bool(root, "reorder_and_upcast_attn") || Bool(root, "add_cross_attention"))
            throw new InvalidDataException($"{path}: scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn and add_cross_attention are not supported.");
        if (root.TryGetProperty("scale_attn_weights", out var scale) && scale.ValueKind == JsonValueKind.False)
            throw new InvalidDataException($"{path}: scale_attn_weights false is not supported.");
        int hidden = Integer(path, root, "n_embd", 768), heads = Integer(path, root, "n_head", 12);
        if (hidden % heads != 0)
            throw new InvalidDataException($"{path}: n_embd {hidden} is not divisible by n_head {heads}.");
        return new CausalLmConfig(CausalLmArchitecture.Gpt2,
            Integer(path, root, "vocab_size", 50257), hidden, Integer(path, root, "n_layer", 12), heads, heads, hidden / heads,
            Integer(path, root, "n_inner", 4 * hidden), Integer(path, root, "n_positions", 1024),
            Number(path, root, "layer_norm_epsilon", 1e-5f), 0f,
            TieWordEmbeddings: true, OptionalInteger(path, root, "bos_token_id"), TokenIds(path, root, "eos_token_id"));
    }

    // transformers: models/qwen2/configuration_qwen2.py, modeling_qwen2.py and modeling_rope_utils.py
    private static CausalLmConfig ReadQwen2(string path, JsonElement root)
    {
        string activation = String(path, root, "hidden_act") ?? "silu";
        if (activation != "silu")
            throw new InvalidDataException($"{path}: hidden_act \"{activation}\" is not supported; Qwen2 runs SwiGLU with silu.");
        if (Bool(root, "use_sliding_window"))
            throw new InvalidDataException($"{path}: use_sliding_window true is not supported (full attention only).");
        int hidden = Integer(path, root, "hidden_size", 4096), heads = Integer(path, root, "num_attention_heads", 32);
        int kvHeads = Integer(path, root, "num_key_value_heads", heads);
        int headDim = Integer(path, root, "head_dim", hidden / heads);
        if (!root.TryGetProperty("head_dim", out _) && hidden % heads != 0)
            throw new InvalidDataException($"{path}: hidden_size {hidden} is not divisible by num_attention_heads {heads}.");
        return new CausalLmConfig(CausalLmArchitecture.Qwen2,
            Integer(path, root, "vocab_size", 151936), hidden, Integer(path, root, "num_hidden_layers", 32), heads, kvHeads, headDim,
            Integer(path, root, "intermediate_size", 22016), Integer(path, root, "max_position_embeddings", 32768),
            Number(path, root, "rms_norm_eps", 1e-6f), ReadRopeTheta(path, root),
            !root.TryGetProperty("tie_word_embeddings", out var tie) || tie.ValueKind != JsonValueKind.False,
            OptionalInteger(path, root, "bos_token_id"), TokenIds(path, root, "eos_token_id"));
    }

    // rope_parameters (transformers 5) or rope_theta with rope_scaling (4.x); only the default rotation is run
    private static float ReadRopeTheta(string path, JsonElement root)
    {
        float theta = Number(path, root, "rope_theta", 10000f);
        foreach (string key in new[] { "rope_parameters", "rope_scaling" })
        {
            if (!root.TryGetProperty(key, out var rope) || rope.ValueKind == JsonValueKind.Null)
                continue;
            if (rope.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: \"{key}\" must be an object.");
            string type = String(path, rope, "rope_type") ?? String(path, rope, "type") ?? "default";
            if (type != "default")
                throw new InvalidDataException($"{path}: {key}.rope_type \"{type}\" is not supported; Kefu runs the default rotary embedding only.");
            theta = Number(path, rope, "rope_theta", theta);
        }
        return theta;
    }

    private static bool Bool(JsonElement root, string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;

    private static string? String(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new InvalidDataException($"{path}: \"{key}\" must be a string, got {value}.");
    }

    private static int Integer(string path, JsonElement root, string key, int fallback)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n > 0
            ? n
            : throw new InvalidDataException($"{path}: \"{key}\" must be a positive integer, got {value}.");
    }

    private static int? OptionalInteger(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) && n >= 0
            ? n
            : throw new InvalidDataException($"{path}: \"{key}\" must be a token id, got {value}.");
    }

    // eos_token_id is an id or a list of ids
    internal static int[] TokenIds(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind == JsonValueKind.Array)
            return [.. value.EnumerateArray().Select(v => v.TryGetInt32(out int id) && id >= 0 ? id : throw new InvalidDataException($"{path}: \"{key}\" holds {v}, not a token id."))];
        return [OptionalInteger(path, root, key)!.Value];
    }

    private static float Number(string path, JsonElement root, string key, float fallback)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind == JsonValueKind.Number && value.GetDouble() > 0
            ? (float)value.GetDouble()
            : throw new InvalidDataException($"{path}: \"{key}\" must be a positive number, got {value}.");
    }
}
