using System.Text.Json;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

/// <summary>
/// What tokenizer_config.json says beside tokenizer.json: the special tokens' names (a string or an AddedToken
/// object {"content": ...}), model_max_length, tokenizer_class, added_tokens_decoder, the chat template (a string, or
/// a list of {"name", "template"} from which "default" is taken), and clean_up_tokenization_spaces.
/// </summary>
public sealed record TokenizerSettings(
    string? TokenizerClass = null,
    string? BosToken = null,
    string? EosToken = null,
    string? PadToken = null,
    string? UnknownToken = null,
    int ModelMaxLength = int.MaxValue,
    string? ChatTemplate = null,
    bool CleanUpTokenizationSpaces = false,
    bool AddPrefixSpace = false,
    IReadOnlyList<AddedToken>? AddedTokens = null)
{
    public static TokenizerSettings Default { get; } = new();

    public static TokenizerSettings Load(string path) => HuggingFaceJson.ReadObject(path, root =>
    {
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                int id = int.TryParse(entry.Name, out int i) && i >= 0 ? i : throw new InvalidDataException($"{path}: added_tokens_decoder key \"{entry.Name}\" is not an id.");
                added.Add(BertTokenizerOptions.ReadAddedToken(path, $"added_tokens_decoder.{entry.Name}", entry.Value, id));
            }
        }
        return new TokenizerSettings(
            String(path, root, "tokenizer_class"),
            Token(path, root, "bos_token"),
            Token(path, root, "eos_token"),
            Token(path, root, "pad_token"),
            Token(path, root, "unk_token"),
            // transformers writes int(1e30) for "no limit"
            root.TryGetProperty("model_max_length", out var m) && m.ValueKind == JsonValueKind.Number
                ? (m.TryGetInt32(out int max) && max > 0 ? max : int.MaxValue) : int.MaxValue,
            Template(path, root),
            BertTokenizerOptions.Boolean(path, root, "clean_up_tokenization_spaces") ?? false,
            BertTokenizerOptions.Boolean(path, root, "add_prefix_space") ?? false,
            added);
    });

    private static string? String(string path, JsonElement root, string key) =>
        !root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new InvalidDataException($"{path}: \"{key}\" must be a string, got {value.ValueKind}.");

    private static string? Token(string path, JsonElement root, string key)
    {
        if (root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Object)
            return value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                ? content.GetString() : throw new InvalidDataException($"{path}: \"{key}\" must be a string or an object with \"content\".");
        return String(path, root, key);
    }

    private static string? Template(string path, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var value) || value.ValueKind != JsonValueKind.Array)
            return String(path, root, "chat_template");
        foreach (var named in value.EnumerateArray())
        {
            if (named.ValueKind == JsonValueKind.Object && named.TryGetProperty("name", out var name) && name.GetString() == "default"
                && named.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.String)
                return template.GetString();
        }
        throw new InvalidDataException($"{path}: \"chat_template\" is a list without a template named \"default\".");
    }
}
