using System.Text.Json;

namespace Kefu.Text.WordPiece;

/// <summary>The settings of Hugging Face's BertTokenizer that change its output, as tokenizer_config.json spells them.</summary>
/// <param name="StripAccents">Null follows <paramref name="LowerCase"/>, as in Hugging Face.</param>
public sealed record BertTokenizerOptions(
    bool LowerCase = true,
    bool? StripAccents = null,
    bool SplitChineseCharacters = true,
    int ModelMaxLength = 512,
    string UnknownToken = "[UNK]",
    string SeparatorToken = "[SEP]",
    string PaddingToken = "[PAD]",
    string ClassifierToken = "[CLS]",
    string MaskToken = "[MASK]")
{
    public IEnumerable<string> SpecialTokens => [UnknownToken, SeparatorToken, PaddingToken, ClassifierToken, MaskToken];

    /// <summary>Reads do_lower_case, strip_accents, tokenize_chinese_chars, model_max_length and the *_token entries; absent keys keep their defaults.</summary>
    public static BertTokenizerOptions Load(string path)
    {
        return HuggingFaceJson.ReadObject(path, root =>
        {
            var defaults = new BertTokenizerOptions();
            return new BertTokenizerOptions(
                Boolean(path, root, "do_lower_case") ?? defaults.LowerCase,
                Boolean(path, root, "strip_accents"),
                Boolean(path, root, "tokenize_chinese_chars") ?? defaults.SplitChineseCharacters,
                MaxLength(path, root) ?? defaults.ModelMaxLength,
                Token(path, root, "unk_token") ?? defaults.UnknownToken,
                Token(path, root, "sep_token") ?? defaults.SeparatorToken,
                Token(path, root, "pad_token") ?? defaults.PaddingToken,
                Token(path, root, "cls_token") ?? defaults.ClassifierToken,
                Token(path, root, "mask_token") ?? defaults.MaskToken);
        });
    }

    private static bool? Boolean(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{path}: \"{key}\" must be true, false or null, got {value.ValueKind}."),
        };
    }

    // saved configs without a limit write a huge sentinel (1e30); anything past int range means "no limit of its own"
    private static int? MaxLength(string path, JsonElement root)
    {
        if (!root.TryGetProperty("model_max_length", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number || value.GetDouble() < 2)
            throw new InvalidDataException($"{path}: \"model_max_length\" must be a number of at least 2, got {value}.");
        return (int)Math.Min(value.GetDouble(), int.MaxValue);
    }

    // a plain string, or an AddedToken object {"content": "[UNK]", ...}
    private static string? Token(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            return content.GetString();
        throw new InvalidDataException($"{path}: \"{key}\" must be a string or an object with \"content\", got {value.ValueKind}.");
    }
}
