using System.Text.Json;

namespace Kefu.Text.WordPiece;

/// <summary>The settings of Hugging Face's BertTokenizer that change its output, as tokenizer_config.json spells them.</summary>
/// <param name="StripAccents">Null follows <paramref name="LowerCase"/>, as in Hugging Face.</param>
/// <param name="AddedTokens">added_tokens_decoder's tokens (with their ids and flags), matched whole in the text;
/// the special tokens above that the vocabulary has are matched whole in any case.</param>
public sealed record BertTokenizerOptions(
    bool LowerCase = true,
    bool? StripAccents = null,
    bool SplitChineseCharacters = true,
    int ModelMaxLength = 512,
    string UnknownToken = "[UNK]",
    string SeparatorToken = "[SEP]",
    string PaddingToken = "[PAD]",
    string ClassifierToken = "[CLS]",
    string MaskToken = "[MASK]",
    IReadOnlyList<AddedToken>? AddedTokens = null)
{
    public IEnumerable<string> SpecialTokens => [UnknownToken, SeparatorToken, PaddingToken, ClassifierToken, MaskToken];

    /// <summary>Reads do_lower_case, strip_accents, tokenize_chinese_chars, model_max_length, the *_token entries and
    /// added_tokens_decoder; absent keys keep their defaults.</summary>
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
                Token(path, root, "mask_token") ?? defaults.MaskToken,
                AddedTokensDecoder(path, root));
        });
    }

    // "added_tokens_decoder": {"103": {"content": "[MASK]", "lstrip": false, "normalized": false, "rstrip": false,
    // "single_word": false, "special": true}, ...}
    private static AddedToken[]? AddedTokensDecoder(string path, JsonElement root)
    {
        if (!root.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind == JsonValueKind.Null)
            return null;
        if (decoder.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: \"added_tokens_decoder\" must be an object of id → token, got {decoder.ValueKind}.");
        var tokens = new List<AddedToken>();
        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                throw new InvalidDataException($"{path}: added_tokens_decoder key \"{entry.Name}\" is not a token id.");
            tokens.Add(ReadAddedToken(path, $"added_tokens_decoder.{entry.Name}", entry.Value, id));
        }
        return [.. tokens];
    }

    /// <summary>Reads an AddedToken object: content and the flags single_word, lstrip, rstrip, normalized (default: not special), special.</summary>
    internal static AddedToken ReadAddedToken(string path, string where, JsonElement token, int id)
    {
        if (token.ValueKind != JsonValueKind.Object || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{path}: {where} must be an object with a string \"content\".");
        bool special = Boolean(path, token, "special") ?? false;
        return new AddedToken(content.GetString()!, id, special,
            Boolean(path, token, "single_word") ?? false,
            Boolean(path, token, "lstrip") ?? false,
            Boolean(path, token, "rstrip") ?? false,
            Boolean(path, token, "normalized") ?? !special);
    }

    internal static bool? Boolean(string path, JsonElement root, string key)
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
