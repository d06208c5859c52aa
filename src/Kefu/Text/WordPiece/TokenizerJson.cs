using System.Text.Json;

namespace Kefu.Text.WordPiece;

/// <summary>
/// Reads Hugging Face tokenizers' tokenizer.json into a <see cref="BertTokenizer"/>. Only what Kefu runs exactly as
/// tokenizers does is accepted; anything else (a BPE or Unigram model, a regex pattern, a Metaspace pre-tokenizer...)
/// is an <see cref="InvalidDataException"/> naming the file, the component and what is supported.
/// </summary>
internal static class TokenizerJson
{
    private const string Normalizers = "BertNormalizer, Sequence, NFD, NFC, NFKD, NFKC, Lowercase, StripAccents, Strip, Prepend, Replace (String pattern)";
    private const string PreTokenizers = "BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Split (String pattern), Sequence";
    private const string PostProcessors = "TemplateProcessing, BertProcessing";

    public static BertTokenizer Load(string path) => HuggingFaceJson.ReadObject(path, root => Read(path, root));

    private static BertTokenizer Read(string path, JsonElement root)
    {
        var model = Property(root, "model") ?? throw Invalid(path, "model", "is missing; expected a WordPiece model");
        var (vocabulary, unknownToken, prefix, maxCharacters) = ReadModel(path, model);
        var normalizer = new List<NormalizerStep>();
        BertNormalizerSettings? bert = null;
        if (Property(root, "normalizer") is { } n)
            ReadNormalizer(path, "normalizer", n, normalizer, ref bert);
        var preTokenizer = new List<PreTokenizerStep>();
        if (Property(root, "pre_tokenizer") is { } p)
            ReadPreTokenizer(path, "pre_tokenizer", p, preTokenizer);

        var added = new List<AddedToken>();
        if (Property(root, "added_tokens") is { } list)
        {
            if (list.ValueKind != JsonValueKind.Array)
                throw Invalid(path, "added_tokens", $"must be an array, got {list.ValueKind}");
            int index = 0;
            foreach (var token in list.EnumerateArray())
            {
                var read = BertTokenizerOptions.ReadAddedToken(path, $"added_tokens[{index++}]", token, id: -1);
                if (read.Content.Length > 0)
                    Add(added, read, vocabulary);
            }
        }
        int IdOf(string token, string where)
        {
            if (added.FirstOrDefault(t => t.Content == token) is { } a)
                return a.Id;
            return vocabulary.TryGetId(token, out int id) ? id : throw Invalid(path, where, $"names \"{token}\", which is neither in the vocabulary nor an added token");
        }

        var post = Property(root, "post_processor") is { } pp ? ReadPostProcessor(path, pp, IdOf) : PostProcessor.None;
        var truncation = ReadTruncation(path, root);
        var padding = ReadPadding(path, root);

        string config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        var options = File.Exists(config) ? BertTokenizerOptions.Load(config) : new BertTokenizerOptions(ModelMaxLength: int.MaxValue);
        if (bert is { } b)
            options = options with { LowerCase = b.LowerCase, StripAccents = b.StripAccents, SplitChineseCharacters = b.SplitChinese };
        options = options with { UnknownToken = unknownToken, AddedTokens = added };
        int unknownId = IdOf(unknownToken, "model.unk_token");
        int paddingId = padding?.PadId ?? (vocabulary.TryGetId(options.PaddingToken, out int pad) ? pad : 0);
        var pipeline = new TokenizerPipeline([.. normalizer], [.. preTokenizer], vocabulary, unknownId, prefix, maxCharacters, added);
        return new BertTokenizer(pipeline, post, options, unknownId, paddingId, truncation, padding);
    }

    // tokenizers' AddedVocabulary.add_tokens, as deserialization runs it: the "id" written in the file is not read back;
    // a token the model has keeps the model's id, a token seen before keeps its id (and takes the new flags), and any
    // other comes after the vocabulary and the added tokens so far
    private static void Add(List<AddedToken> added, AddedToken token, WordPieceVocabulary vocabulary)
    {
        int seen = added.FindIndex(t => t.Content == token.Content);
        if (seen >= 0)
        {
            added[seen] = token with { Id = added[seen].Id };
            return;
        }
        int id;
        if (!vocabulary.TryGetId(token.Content, out id))
        {
            int size = vocabulary.TokenCount, max = added.Count == 0 ? -1 : added.Max(t => t.Id);
            id = max < 0 || (max < size && size > 0) ? size : max + 1;
        }
        added.Add(token with { Id = id });
    }

    private static (WordPieceVocabulary Vocabulary, string Unknown, string Prefix, int MaxCharacters) ReadModel(string path, JsonElement model)
    {
        string type = Type(path, "model", model, infer: () =>
            model.TryGetProperty("merges", out _) ? "BPE"
            : model.TryGetProperty("vocab", out var v) && v.ValueKind == JsonValueKind.Array ? "Unigram"
            : model.TryGetProperty("continuing_subword_prefix", out _) && model.TryGetProperty("max_input_chars_per_word", out _) ? "WordPiece"
            : "WordLevel");
        if (type != "WordPiece")
            throw Invalid(path, "model", $"type \"{type}\" is not supported; Kefu's BertTokenizer runs WordPiece models only (BERT, MiniLM, ERNIE, bge...)");
        var vocab = Property(model, "vocab");
        if (vocab is not { ValueKind: JsonValueKind.Object })
            throw Invalid(path, "model.vocab", "must be an object of token → id");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.Value.EnumerateObject())
            ids[entry.Name] = entry.Value.TryGetInt32(out int id) && id >= 0 ? id : throw Invalid(path, $"model.vocab[\"{entry.Name}\"]", "must be a non-negative integer id");
        if (ids.Count == 0)
            throw Invalid(path, "model.vocab", "is empty");
        return (new WordPieceVocabulary(ids),
            String(path, model, "unk_token", "model.unk_token") ?? "[UNK]",
            String(path, model, "continuing_subword_prefix", "model.continuing_subword_prefix") ?? "##",
            Integer(path, model, "max_input_chars_per_word", "model.max_input_chars_per_word") ?? 100);
    }

    internal static void ReadNormalizer(string path, string where, JsonElement element, List<NormalizerStep> steps, ref BertNormalizerSettings? bert)
    {
        switch (Type(path, where, element))
        {
            case "BertNormalizer":
                bool clean = Bool(path, element, "clean_text", where) ?? true, chinese = Bool(path, element, "handle_chinese_chars", where) ?? true;
                bool lower = Bool(path, element, "lowercase", where) ?? true;
                bool? strip = Bool(path, element, "strip_accents", where);
                bert ??= new BertNormalizerSettings(lower, strip, chinese);
                steps.AddRange(NormalizerStep.Bert(clean, chinese, strip ?? lower, lower));
                break;
            case "Sequence":
                int index = 0;
                foreach (var inner in Array(path, element, "normalizers", where))
                    ReadNormalizer(path, $"{where}.normalizers[{index++}]", inner, steps, ref bert);
                break;
            case "NFD":
                steps.Add(new UnicodeFormStep(compose: false, compatibility: false));
                break;
            case "NFC":
                steps.Add(new UnicodeFormStep(compose: true, compatibility: false));
                break;
            case "NFKD":
                steps.Add(new UnicodeFormStep(compose: false, compatibility: true));
                break;
            case "NFKC":
                steps.Add(new UnicodeFormStep(compose: true, compatibility: true));
                break;
            case "Lowercase":
                steps.Add(new MarksAndCaseStep(dropMarks: false, lowerCase: true));
                break;
            case "StripAccents":
                steps.Add(new MarksAndCaseStep(dropMarks: true, lowerCase: false));
                break;
            case "Strip":
                steps.Add(new StripStep(Bool(path, element, "strip_left", where) ?? true, Bool(path, element, "strip_right", where) ?? true));
                break;
            case "Prepend":
                steps.Add(new PrependStep(String(path, element, "prepend", $"{where}.prepend") ?? throw Invalid(path, where, "needs \"prepend\"")));
                break;
            case "Replace":
                string pattern = LiteralPattern(path, element, where);
                steps.Add(new ReplaceStep(pattern, String(path, element, "content", $"{where}.content") ?? throw Invalid(path, where, "needs \"content\"")));
                break;
            case var other:
                throw Invalid(path, where, $"normalizer type \"{other}\" is not supported; supported: {Normalizers}");
        }
    }

    internal static void ReadPreTokenizer(string path, string where, JsonElement element, List<PreTokenizerStep> steps)
    {
        switch (Type(path, where, element))
        {
            case "BertPreTokenizer":
                steps.Add(new BertPreTokenizerStep());
                break;
            case "Whitespace":
                steps.Add(new WhitespacePreTokenizerStep());
                break;
            case "WhitespaceSplit":
                steps.Add(new CharacterSplit(CharacterSplit.Kind.Whitespace, SplitBehavior.Removed));
                break;
            case "Punctuation":
                steps.Add(new CharacterSplit(CharacterSplit.Kind.Punctuation, Behavior(path, element, where) ?? SplitBehavior.Isolated));
                break;
            case "Digits":
                bool individual = Bool(path, element, "individual_digits", where) ?? false;
                steps.Add(new CharacterSplit(CharacterSplit.Kind.Numeric, individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous));
                break;
            case "CharDelimiterSplit":
                string delimiter = String(path, element, "delimiter", $"{where}.delimiter") ?? "";
                if (delimiter.EnumerateRunes().Count() != 1)
                    throw Invalid(path, $"{where}.delimiter", "must be one character");
                steps.Add(new CharacterSplit(CharacterSplit.Kind.Delimiter, SplitBehavior.Removed, char.ConvertToUtf32(delimiter, 0)));
                break;
            case "Split":
                string pattern = LiteralPattern(path, element, where);
                var behavior = Behavior(path, element, where) ?? throw Invalid(path, where, "needs \"behavior\"");
                steps.Add(new LiteralSplit(pattern, behavior, Bool(path, element, "invert", where) ?? false));
                break;
            case "Sequence":
                int index = 0;
                foreach (var inner in Array(path, element, "pretokenizers", where))
                    ReadPreTokenizer(path, $"{where}.pretokenizers[{index++}]", inner, steps);
                break;
            case var other:
                throw Invalid(path, where, $"pre-tokenizer type \"{other}\" is not supported; supported: {PreTokenizers}");
        }
    }

    internal static PostProcessor ReadPostProcessor(string path, JsonElement element, Func<string, string, int> idOf)
    {
        const string where = "post_processor";
        switch (Type(path, where, element))
        {
            case "BertProcessing":
                var (sep, cls) = (Pair(path, element, "sep"), Pair(path, element, "cls"));
                return new PostProcessor([([cls], 0), (null, 0), ([sep], 0)]);
            case "TemplateProcessing":
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (Property(element, "special_tokens") is { ValueKind: JsonValueKind.Object } map)
                {
                    foreach (var entry in map.EnumerateObject())
                    {
                        string at = $"{where}.special_tokens[\"{entry.Name}\"]";
                        specials[entry.Name] = [.. Array(path, entry.Value, "ids", at).Select(v => v.TryGetInt32(out int id) ? id : throw Invalid(path, $"{at}.ids", "must hold integer ids"))];
                    }
                }
                var template = new List<(int[]?, int)>();
                int index = 0;
                foreach (var piece in Array(path, element, "single", where))
                {
                    string at = $"{where}.single[{index++}]";
                    if (piece.ValueKind != JsonValueKind.Object || piece.EnumerateObject().Count() != 1)
                        throw Invalid(path, at, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
                    var only = piece.EnumerateObject().First();
                    int typeId = Integer(path, only.Value, "type_id", $"{at}.type_id") ?? 0;
                    string id = String(path, only.Value, "id", $"{at}.id") ?? throw Invalid(path, at, "needs \"id\"");
                    if (only.Name == "Sequence")
                        template.Add(id == "A" ? (null, typeId) : throw Invalid(path, at, $"a single-sequence template cannot hold sequence \"{id}\""));
                    else if (only.Name == "SpecialToken")
                        template.Add((specials.TryGetValue(id, out var ids) ? ids : [idOf(id, at)], typeId));
                    else
                        throw Invalid(path, at, $"\"{only.Name}\" is neither SpecialToken nor Sequence");
                }
                return template.Count(t => t.Item1 is null) == 1 ? new PostProcessor(template) : throw Invalid(path, $"{where}.single", "must hold the sequence $A exactly once");
            case var other:
                throw Invalid(path, where, $"post-processor type \"{other}\" is not supported; supported: {PostProcessors}");
        }
    }

    private static TokenizerTruncation? ReadTruncation(string path, JsonElement root)
    {
        if (Property(root, "truncation") is not { } t)
            return null;
        return new TokenizerTruncation(
            Integer(path, t, "max_length", "truncation.max_length") ?? throw Invalid(path, "truncation", "needs \"max_length\""),
            String(path, t, "strategy", "truncation.strategy") ?? "LongestFirst",
            String(path, t, "direction", "truncation.direction") ?? "Right",
            Integer(path, t, "stride", "truncation.stride") ?? 0);
    }

    private static TokenizerPadding? ReadPadding(string path, JsonElement root)
    {
        if (Property(root, "padding") is not { } p)
            return null;
        int? fixedLength = null;
        // "strategy": "BatchLongest" or {"Fixed": 128}
        if (p.TryGetProperty("strategy", out var strategy) && strategy.ValueKind == JsonValueKind.Object && strategy.TryGetProperty("Fixed", out var length))
            fixedLength = length.TryGetInt32(out int l) ? l : throw Invalid(path, "padding.strategy.Fixed", "must be an integer");
        return new TokenizerPadding(
            Integer(path, p, "pad_id", "padding.pad_id") ?? 0,
            String(path, p, "pad_token", "padding.pad_token") ?? "[PAD]",
            Integer(path, p, "pad_type_id", "padding.pad_type_id") ?? 0,
            String(path, p, "direction", "padding.direction") ?? "Right",
            fixedLength,
            Integer(path, p, "pad_to_multiple_of", "padding.pad_to_multiple_of"));
    }

    // ["[SEP]", 102]
    private static int Pair(string path, JsonElement element, string key)
    {
        if (!element.TryGetProperty(key, out var pair) || pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || !pair[1].TryGetInt32(out int id))
            throw Invalid(path, $"post_processor.{key}", "must be [token, id]");
        return id;
    }

    // {"String": "x"}; {"Regex": "..."} is refused, as .NET's regex dialect is not Rust's
    private static string LiteralPattern(string path, JsonElement element, string where)
    {
        if (!element.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object)
            throw Invalid(path, where, "needs \"pattern\": {\"String\": ...}");
        if (pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String && literal.GetString()!.Length > 0)
            return literal.GetString()!;
        if (pattern.TryGetProperty("Regex", out _))
            throw Invalid(path, $"{where}.pattern", "Regex patterns are not supported (only String patterns run exactly as tokenizers does)");
        throw Invalid(path, $"{where}.pattern", "must be {\"String\": \"non-empty text\"}");
    }

    internal static SplitBehavior? Behavior(string path, JsonElement element, string where)
    {
        string? name = String(path, element, "behavior", $"{where}.behavior");
        if (name is null)
            return null;
        return Enum.TryParse<SplitBehavior>(name, ignoreCase: true, out var behavior)
            ? behavior
            : throw Invalid(path, $"{where}.behavior", $"\"{name}\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
    }

    internal static string Type(string path, string where, JsonElement element, Func<string>? infer = null)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Invalid(path, where, $"must be an object, got {element.ValueKind}");
        if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
            return type.GetString()!;
        return infer?.Invoke() ?? throw Invalid(path, where, "needs a \"type\"");
    }

    // the property, or null when absent or JSON null
    internal static JsonElement? Property(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal static JsonElement.ArrayEnumerator Array(string path, JsonElement element, string key, string where) =>
        element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw Invalid(path, $"{where}.{key}", "must be an array");

    internal static string? String(string path, JsonElement element, string key, string where) =>
        Property(element, key) is not { } value ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(path, where, $"must be a string, got {value.ValueKind}");

    internal static int? Integer(string path, JsonElement element, string key, string where) =>
        Property(element, key) is not { } value ? null
        : value.TryGetInt32(out int i) ? i : throw Invalid(path, where, $"must be an integer, got {value}");

    internal static bool? Bool(string path, JsonElement element, string key, string where)
    {
        try
        {
            return BertTokenizerOptions.Boolean(path, element, key);
        }
        catch (InvalidDataException)
        {
            throw Invalid(path, $"{where}.{key}", "must be true, false or null");
        }
    }

    internal static InvalidDataException Invalid(string path, string where, string problem) => new($"{path}: {where} {problem}.");

    /// <summary>BertNormalizer's settings, reported in <see cref="BertTokenizerOptions"/>.</summary>
    internal readonly record struct BertNormalizerSettings(bool LowerCase, bool? StripAccents, bool SplitChinese);
}
