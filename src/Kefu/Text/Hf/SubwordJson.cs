using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Text.Bpe;
using Kefu.Text.Unigram;
using Kefu.Text.WordPiece;
using static Kefu.Text.WordPiece.TokenizerJson;

namespace Kefu.Text.Hf;

/// <summary>
/// Reads a tokenizer.json whose model is BPE or Unigram into a <see cref="SubwordTokenizer"/>. Components Kefu does not
/// run exactly as tokenizers does are an <see cref="InvalidDataException"/> naming the file, the component and what is
/// supported — never a silent substitute.
/// </summary>
internal static class SubwordJson
{
    private const string PreTokenizers = "ByteLevel, Split (String or Regex pattern), Metaspace, Sequence, and the WordPiece ones (Whitespace, WhitespaceSplit, Punctuation, Digits...)";
    private const string Decoders = "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace (String pattern), WordPiece, Sequence";
    private const string PostProcessors = "ByteLevel, RobertaProcessing, TemplateProcessing, BertProcessing, Sequence";

    /// <summary>model.type, inferred from the model's keys when absent as tokenizers does.</summary>
    public static string ModelType(string path, JsonElement root)
    {
        var model = Property(root, "model") ?? throw Invalid(path, "model", "is missing");
        return Type(path, "model", model, infer: () =>
            model.TryGetProperty("merges", out _) ? "BPE"
            : model.TryGetProperty("vocab", out var v) && v.ValueKind == JsonValueKind.Array ? "Unigram"
            : model.TryGetProperty("continuing_subword_prefix", out _) && model.TryGetProperty("max_input_chars_per_word", out _) ? "WordPiece"
            : "WordLevel");
    }

    public static SubwordTokenizer Load(string path) => HuggingFaceJson.ReadObject(path, root => Read(path, root));

    private static SubwordTokenizer Read(string path, JsonElement root)
    {
        string type = ModelType(path, root);
        var model = Property(root, "model")!.Value;
        ISubwordModel subword = type switch
        {
            "BPE" => ReadBpe(path, model),
            "Unigram" => ReadUnigram(path, model),
            _ => throw Invalid(path, "model", $"type \"{type}\" is not supported; Kefu runs WordPiece, BPE and Unigram models"),
        };
        var normalizer = new List<NormalizerStep>();
        if (Property(root, "normalizer") is { } n)
            ReadNormalizer(path, "normalizer", n, normalizer);
        var preTokenizer = new List<PieceStep>();
        bool byteLevel = false;
        if (Property(root, "pre_tokenizer") is { } p)
            ReadPreTokenizer(path, "pre_tokenizer", p, preTokenizer, ref byteLevel);

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
                    Add(added, read, subword);
            }
        }
        int IdOf(string token, string where) =>
            added.FirstOrDefault(t => t.Content == token) is { } a ? a.Id
            : subword.TryGetId(token, out int id) ? id
            : throw Invalid(path, where, $"names \"{token}\", which is neither in the vocabulary nor an added token");

        var post = PostProcessor.None;
        var trim = new OffsetTrim(false, false);
        if (Property(root, "post_processor") is { } pp)
            ReadPostProcessor(path, "post_processor", pp, IdOf, ref post, ref trim);
        var decoder = Property(root, "decoder") is { } d ? ReadDecoder(path, "decoder", d) : new Decoder.NoDecoder();
        var pipeline = new SubwordPipeline([.. normalizer], [.. preTokenizer], byteLevel, subword, added);
        return new SubwordTokenizer(type == "BPE" ? TokenizerModelKind.Bpe : TokenizerModelKind.Unigram, pipeline, post, trim, decoder);
    }

    // tokenizers' AddedVocabulary.add_tokens: a token the model has keeps the model's id, a token seen before keeps its
    // id, any other comes after the vocabulary and the added tokens so far (the "id" in the file is not read back)
    private static void Add(List<AddedToken> added, AddedToken token, ISubwordModel model)
    {
        int seen = added.FindIndex(t => t.Content == token.Content);
        if (seen >= 0)
        {
            added[seen] = token with { Id = added[seen].Id };
            return;
        }
        if (!model.TryGetId(token.Content, out int id))
        {
            int size = model.VocabularySize, max = added.Count == 0 ? -1 : added.Max(t => t.Id);
            id = max < 0 || (max < size && size > 0) ? size : max + 1;
        }
        added.Add(token with { Id = id });
    }

    private static BpeModel ReadBpe(string path, JsonElement model)
    {
        if (Property(model, "dropout") is { } dropout && !(dropout.TryGetDouble(out double p) && p == 0))
            throw Invalid(path, "model.dropout", "is set; BPE dropout samples merges at random and Kefu runs deterministic BPE only");
        foreach (string key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (String(path, model, key, $"model.{key}") is { Length: > 0 })
                throw Invalid(path, $"model.{key}", "is set; Kefu's BPE runs without subword prefixes or suffixes (GPT-2, RoBERTa, Qwen2, Llama)");
        }
        var vocab = Property(model, "vocab") is { ValueKind: JsonValueKind.Object } v ? v : throw Invalid(path, "model.vocab", "must be an object of token → id");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
            ids[entry.Name] = entry.Value.TryGetInt32(out int id) && id >= 0 ? id : throw Invalid(path, $"model.vocab[\"{entry.Name}\"]", "must be a non-negative integer id");
        var merges = new List<(string, string)>();
        int index = 0;
        foreach (var merge in Property(model, "merges") is { ValueKind: JsonValueKind.Array } m ? m.EnumerateArray() : throw Invalid(path, "model.merges", "must be an array"))
        {
            // "a b" (tokenizers before 0.20) or ["a", "b"]
            if (merge.ValueKind == JsonValueKind.String && merge.GetString()!.Split(' ') is [var a, var b])
                merges.Add((a, b));
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2 && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
                merges.Add((merge[0].GetString()!, merge[1].GetString()!));
            else
                throw Invalid(path, $"model.merges[{index}]", "must be \"left right\" or [\"left\", \"right\"]");
            index++;
        }
        string? unknown = String(path, model, "unk_token", "model.unk_token");
        int unknownId = unknown is null ? -1 : ids.TryGetValue(unknown, out int u) ? u : throw Invalid(path, "model.unk_token", $"\"{unknown}\" is not in the vocabulary");
        try
        {
            return new BpeModel(ids, merges, unknownId, Bool(path, model, "fuse_unk", "model") ?? false,
                Bool(path, model, "byte_fallback", "model") ?? false, Bool(path, model, "ignore_merges", "model") ?? false);
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, "model.merges", e.Message);
        }
    }

    private static UnigramModel ReadUnigram(string path, JsonElement model)
    {
        var vocab = Property(model, "vocab") is { ValueKind: JsonValueKind.Array } v ? v : throw Invalid(path, "model.vocab", "must be an array of [piece, score]");
        var pieces = new List<(string, double)>();
        int index = 0;
        foreach (var entry in vocab.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || !entry[1].TryGetDouble(out double score))
                throw Invalid(path, $"model.vocab[{index}]", "must be [piece, score]");
            pieces.Add((entry[0].GetString()!, score));
            index++;
        }
        int? unknownId = Integer(path, model, "unk_id", "model.unk_id");
        if (unknownId is { } id && (id < 0 || id >= pieces.Count))
            throw Invalid(path, "model.unk_id", $"{id} is outside the vocabulary of {pieces.Count}");
        return new UnigramModel(pieces, unknownId, Bool(path, model, "byte_fallback", "model") ?? false);
    }

    private static void ReadNormalizer(string path, string where, JsonElement element, List<NormalizerStep> steps)
    {
        switch (Type(path, where, element))
        {
            case "Sequence":
                int index = 0;
                foreach (var inner in Array(path, element, "normalizers", where))
                    ReadNormalizer(path, $"{where}.normalizers[{index++}]", inner, steps);
                break;
            case "Precompiled":
                string charsmap = String(path, element, "precompiled_charsmap", $"{where}.precompiled_charsmap")
                    ?? throw Invalid(path, where, "is a Precompiled normalizer without \"precompiled_charsmap\"");
                byte[] bytes;
                try
                {
                    bytes = Convert.FromBase64String(charsmap);
                }
                catch (FormatException)
                {
                    throw Invalid(path, $"{where}.precompiled_charsmap", "is not base64, so the Precompiled normalizer cannot be read");
                }
                steps.Add(PrecompiledStep.FromBytes(bytes, $"{path}: {where}"));
                break;
            case "Replace" when element.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex):
                string content = String(path, element, "content", $"{where}.content") ?? throw Invalid(path, where, "needs \"content\"");
                steps.Add(new RegexReplaceStep(CompileRegex(path, $"{where}.pattern", regex), content));
                break;
            case "ByteLevel":
                throw Invalid(path, where, "is a ByteLevel normalizer; Kefu runs byte-level tokenizers whose ByteLevel step is the pre-tokenizer");
            default:
                BertNormalizerSettings? ignored = null;
                TokenizerJson.ReadNormalizer(path, where, element, steps, ref ignored);
                break;
        }
    }

    private static void ReadPreTokenizer(string path, string where, JsonElement element, List<PieceStep> steps, ref bool byteLevel)
    {
        switch (Type(path, where, element))
        {
            case "Sequence":
                int index = 0;
                foreach (var inner in Array(path, element, "pretokenizers", where))
                    ReadPreTokenizer(path, $"{where}.pretokenizers[{index++}]", inner, steps, ref byteLevel);
                break;
            case "ByteLevel":
                byteLevel = true;
                if (Bool(path, element, "add_prefix_space", where) ?? true)
                    steps.Add(new PieceStep.Rewrite('\0', '\0', ' ', PrependScheme.Always));
                if (Bool(path, element, "use_regex", where) ?? true)
                    steps.Add(new PieceStep.Split(new RegexSplit(ByteLevel.Gpt2Regex(), SplitBehavior.Isolated, invert: false)));
                break;
            case "Split" when element.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex):
                var behavior = Behavior(path, element, where) ?? throw Invalid(path, where, "needs \"behavior\"");
                steps.Add(new PieceStep.Split(new RegexSplit(CompileRegex(path, $"{where}.pattern", regex), behavior, Bool(path, element, "invert", where) ?? false)));
                break;
            case "Metaspace":
                string replacement = String(path, element, "replacement", $"{where}.replacement") ?? "▁";
                if (replacement.Length != 1)
                    throw Invalid(path, $"{where}.replacement", "must be one character");
                var scheme = Scheme(path, element, where);
                steps.Add(new PieceStep.Rewrite(' ', replacement[0], replacement[0], scheme));
                if (Bool(path, element, "split", where) ?? true)
                    steps.Add(new PieceStep.Split(new LiteralSplit(replacement, SplitBehavior.MergedWithNext, invert: false)));
                break;
            default:
                var inner2 = new List<PreTokenizerStep>();
                try
                {
                    TokenizerJson.ReadPreTokenizer(path, where, element, inner2);
                }
                catch (InvalidDataException e) when (e.Message.Contains("is not supported", StringComparison.Ordinal))
                {
                    throw Invalid(path, where, $"pre-tokenizer type \"{Type(path, where, element)}\" is not supported; supported: {PreTokenizers}");
                }
                steps.AddRange(inner2.Select(s => new PieceStep.Split(s)));
                break;
        }
    }

    // Metaspace's prepend_scheme ("always", "first", "never"), or the older add_prefix_space
    private static PrependScheme Scheme(string path, JsonElement element, string where) =>
        String(path, element, "prepend_scheme", $"{where}.prepend_scheme") switch
        {
            null => Bool(path, element, "add_prefix_space", where) ?? true ? PrependScheme.Always : PrependScheme.Never,
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            var other => throw Invalid(path, $"{where}.prepend_scheme", $"\"{other}\" is not one of always, first, never"),
        };

    private static void ReadPostProcessor(string path, string where, JsonElement element, Func<string, string, int> idOf, ref PostProcessor post, ref OffsetTrim trim)
    {
        switch (Type(path, where, element))
        {
            case "ByteLevel":
                trim = new OffsetTrim(Bool(path, element, "trim_offsets", where) ?? true, Bool(path, element, "add_prefix_space", where) ?? true);
                break;
            case "RobertaProcessing":
                int cls = Pair(path, element, "cls", where), sep = Pair(path, element, "sep", where);
                post = new PostProcessor([([cls], 0), (null, 0), ([sep], 0)]);
                trim = new OffsetTrim(Bool(path, element, "trim_offsets", where) ?? true, Bool(path, element, "add_prefix_space", where) ?? true);
                break;
            case "Sequence":
                int index = 0;
                foreach (var inner in Array(path, element, "processors", where))
                    ReadPostProcessor(path, $"{where}.processors[{index++}]", inner, idOf, ref post, ref trim);
                break;
            case "TemplateProcessing" or "BertProcessing":
                post = TokenizerJson.ReadPostProcessor(path, element, idOf);
                break;
            case var other:
                throw Invalid(path, where, $"post-processor type \"{other}\" is not supported; supported: {PostProcessors}");
        }
    }

    private static int Pair(string path, JsonElement element, string key, string where)
    {
        if (!element.TryGetProperty(key, out var pair) || pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || !pair[1].TryGetInt32(out int id))
            throw Invalid(path, $"{where}.{key}", "must be [token, id]");
        return id;
    }

    private static Decoder ReadDecoder(string path, string where, JsonElement element)
    {
        switch (Type(path, where, element))
        {
            case "ByteLevel":
                return new Decoder.ByteLevelDecoder();
            case "Metaspace":
                string replacement = String(path, element, "replacement", $"{where}.replacement") ?? "▁";
                return replacement.Length == 1 ? new Decoder.MetaspaceDecoder(replacement[0], Scheme(path, element, where)) : throw Invalid(path, $"{where}.replacement", "must be one character");
            case "ByteFallback":
                return new Decoder.ByteFallbackDecoder();
            case "Fuse":
                return new Decoder.FuseDecoder();
            case "Strip":
                string content = String(path, element, "content", $"{where}.content") ?? " ";
                return content.Length == 1
                    ? new Decoder.StripDecoder(content[0], Integer(path, element, "start", $"{where}.start") ?? 0, Integer(path, element, "stop", $"{where}.stop") ?? 0)
                    : throw Invalid(path, $"{where}.content", "must be one character");
            case "Replace":
                return new Decoder.ReplaceDecoder(LiteralPattern(path, element, where), String(path, element, "content", $"{where}.content") ?? throw Invalid(path, where, "needs \"content\""));
            case "WordPiece":
                return new Decoder.WordPieceDecoder(String(path, element, "prefix", $"{where}.prefix") ?? "##", Bool(path, element, "cleanup", where) ?? true);
            case "Sequence":
                int index = 0;
                return new Decoder.SequenceDecoder([.. Array(path, element, "decoders", where).Select(d => ReadDecoder(path, $"{where}.decoders[{index++}]", d))]);
            case var other:
                throw Invalid(path, where, $"decoder type \"{other}\" is not supported; supported: {Decoders}");
        }
    }

    private static string LiteralPattern(string path, JsonElement element, string where) =>
        element.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
        && pattern.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String
            ? literal.GetString()!
            : throw Invalid(path, $"{where}.pattern", "must be {\"String\": ...}");

    // tokenizers compiles patterns with Oniguruma; .NET's Regex reads the constructs real tokenizer.json files use
    // (\p{L}, \p{N}, (?i:...), (?!...), classes); one it cannot read is an error naming the pattern
    private static Regex CompileRegex(string path, string where, JsonElement regex)
    {
        string pattern = regex.ValueKind == JsonValueKind.String ? regex.GetString()! : throw Invalid(path, where, "Regex must be a string");
        try
        {
            return RegexSplit.Compile(pattern);
        }
        catch (ArgumentException e)
        {
            throw Invalid(path, where, $"Regex \"{pattern}\" does not compile as a .NET regular expression: {e.Message}");
        }
    }
}
