using System.Text.Json;
using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Bpe;

/// <summary>
/// A byte-level BPE tokenizer from vocab.json and merges.txt, as transformers converts GPT2Tokenizer, RobertaTokenizer
/// and Qwen2Tokenizer (convert_slow_tokenizer.py): GPT-2's pattern (Qwen2's, after NFC, for Qwen2Tokenizer), the
/// special tokens of tokenizer_config.json matched whole, RoBERTa's &lt;s&gt; $A &lt;/s&gt;. Other tokenizer classes
/// need a tokenizer.json.
/// </summary>
public static class BpeFiles
{
    public static SubwordTokenizer Load(string folder, TokenizerSettings settings)
    {
        string vocabPath = Path.Combine(folder, "vocab.json"), mergesPath = Path.Combine(folder, "merges.txt");
        var vocabulary = HuggingFaceJson.ReadObject(vocabPath, root =>
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in root.EnumerateObject())
                ids[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0
                    ? id : throw new InvalidDataException($"{vocabPath}: \"{entry.Name}\" must map to a non-negative integer id.");
            return ids;
        });
        var merges = ReadMerges(mergesPath);
        BpeModel model;
        try
        {
            model = new BpeModel(vocabulary, merges, unknownId: -1);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{mergesPath}: {e.Message}.");
        }

        string kind = (settings.TokenizerClass ?? "GPT2Tokenizer").Replace("Fast", "", StringComparison.Ordinal);
        var added = new List<AddedToken>();
        foreach (var token in settings.AddedTokens ?? [])
            added.Add(token);
        foreach (string? special in new[] { settings.BosToken, settings.EosToken, settings.UnknownToken, settings.PadToken })
        {
            if (special is not null && added.All(t => t.Content != special) && vocabulary.TryGetValue(special, out int id))
                added.Add(new AddedToken(special, id));
        }
        var regex = new PieceStep.Split(new RegexSplit(ByteLevel.Gpt2Regex(), SplitBehavior.Isolated, invert: false));
        var prefix = new PieceStep.Rewrite('\0', '\0', ' ', PrependScheme.Always);
        var post = PostProcessor.None;
        var trim = new OffsetTrim(false, false);
        (NormalizerStep[] Normalizer, PieceStep[] PreTokenizer) steps;
        switch (kind)
        {
            case "GPT2Tokenizer":
                steps = ([], settings.AddPrefixSpace ? [prefix, regex] : [regex]);
                break;
            case "RobertaTokenizer":
                steps = ([], settings.AddPrefixSpace ? [prefix, regex] : [regex]);
                int cls = Require(vocabulary, settings.BosToken ?? "<s>", vocabPath), sep = Require(vocabulary, settings.EosToken ?? "</s>", vocabPath);
                post = new PostProcessor([([cls], 0), (null, 0), ([sep], 0)]);
                trim = new OffsetTrim(true, settings.AddPrefixSpace);
                break;
            case "Qwen2Tokenizer":
                var split = new RegexSplit(RegexSplit.Compile(ByteLevel.Qwen2Pattern), SplitBehavior.Isolated, invert: false);
                steps = ([new UnicodeFormStep(compose: true, compatibility: false)], [new PieceStep.Split(split)]);
                break;
            default:
                throw new InvalidDataException($"{Path.Combine(folder, "tokenizer_config.json")}: tokenizer_class \"{settings.TokenizerClass}\" with vocab.json and merges.txt is not supported; "
                    + "Kefu builds GPT2Tokenizer, RobertaTokenizer and Qwen2Tokenizer from them, and any BPE tokenizer from tokenizer.json.");
        }
        var pipeline = new SubwordPipeline(steps.Normalizer, steps.PreTokenizer, byteLevel: true, model, added);
        return new SubwordTokenizer(TokenizerModelKind.Bpe, pipeline, post, trim, new Decoder.ByteLevelDecoder());
    }

    /// <summary>merges.txt: an optional "#version" line, then one "left right" pair per line in rank order.</summary>
    public static List<(string Left, string Right)> ReadMerges(string path)
    {
        var merges = new List<(string, string)>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if ((line == 1 && text.StartsWith("#version", StringComparison.Ordinal)) || text.Length == 0)
                continue;
            merges.Add(text.Split(' ') is [var left, var right] && left.Length > 0 && right.Length > 0
                ? (left, right)
                : throw new InvalidDataException($"{path}:{line}: expected \"left right\", got \"{text}\"."));
        }
        return merges;
    }

    private static int Require(Dictionary<string, int> vocabulary, string token, string path) =>
        vocabulary.TryGetValue(token, out int id) ? id : throw new InvalidDataException($"{path}: the special token \"{token}\" is not in the vocabulary.");
}
