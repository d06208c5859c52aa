using Kefu.Text.Bpe;
using Kefu.Text.Chat;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

using TokenSpan = Kefu.Text.WordPiece.TokenSpan;

/// <summary>The model inside a Hugging Face tokenizer.</summary>
public enum TokenizerModelKind
{
    WordPiece,
    Bpe,
    Unigram,
}

/// <summary>One encoded text. Legend: T tokens.</summary>
/// <param name="Ids">[T] token ids.</param>
/// <param name="Offsets">[T] the UTF-16 range of the caller's text each token covers; (0, 0) for post-processor tokens.</param>
/// <param name="SpecialTokensMask">[T] true where the post-processor added the token.</param>
/// <param name="WordIds">[T] tokenizers' word_ids(): the index of the split (pre-tokenized piece or added token) each
/// token came from; -1 for post-processor tokens.</param>
public sealed record HfEncoding(int[] Ids, TokenSpan[] Offsets, bool[] SpecialTokensMask, int[] WordIds)
{
    public int Count => Ids.Length;
}

/// <summary>
/// A Hugging Face tokenizer of any of the three models Kefu runs: WordPiece (BERT), byte-level BPE (GPT-2, RoBERTa,
/// Qwen2, Llama 3) or Unigram (XLM-R, T5), read from a model folder by <see cref="Load"/>. Encoding matches tokenizers'
/// Tokenizer.encode; <see cref="ApplyChatTemplate"/> renders tokenizer_config.json's chat template.
/// </summary>
public abstract class HfTokenizer
{
    public abstract TokenizerModelKind Kind { get; }

    /// <summary>tokenizer_config.json's settings (special token names, model_max_length, chat template); defaults when absent.</summary>
    public TokenizerSettings Settings { get; internal set; } = TokenizerSettings.Default;

    /// <summary>Ids in the vocabulary and the added tokens: the largest id + 1.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>Tokens matched whole before the model (added_tokens), special ones included.</summary>
    public abstract IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Encodes one text; <paramref name="addSpecialTokens"/> runs the post-processor (BOS, [CLS] ... [SEP], &lt;s&gt; ... &lt;/s&gt;).</summary>
    public abstract HfEncoding Encode(string text, bool addSpecialTokens = false);

    public int[] EncodeToIds(string text, bool addSpecialTokens = false) => Encode(text, addSpecialTokens).Ids;

    /// <summary>Ids back to text, as tokenizers' decode; special added tokens left out when <paramref name="skipSpecialTokens"/>.</summary>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>The token with this id (an added token's content or the vocabulary's entry), or null.</summary>
    public abstract string? TokenOf(int id);

    /// <summary>The id of a token of the vocabulary or an added token, or null.</summary>
    public abstract int? IdOf(string token);

    /// <summary>The id of one of tokenizer_config.json's special tokens (bos_token, eos_token, pad_token, unk_token), or null.</summary>
    public int? SpecialId(string? token) => token is null ? null : IdOf(token);

    /// <summary>
    /// tokenizer_config.json's chat template rendered for <paramref name="messages"/>, as transformers'
    /// apply_chat_template(tokenize=False); bos_token, eos_token, pad_token and unk_token are set for the template.
    /// </summary>
    public string ApplyChatTemplate(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        var template = Settings.ChatTemplate ?? throw new InvalidOperationException($"The tokenizer has no chat template (tokenizer_config.json's \"chat_template\").");
        var all = new Dictionary<string, object?>
        {
            ["bos_token"] = Settings.BosToken,
            ["eos_token"] = Settings.EosToken,
            ["pad_token"] = Settings.PadToken,
            ["unk_token"] = Settings.UnknownToken,
        };
        foreach (var (key, value) in variables ?? new Dictionary<string, object?>())
            all[key] = value;
        return ChatTemplate.Parse(template).Render(messages, addGenerationPrompt, all);
    }

    /// <summary>The chat template's text encoded without the post-processor's tokens, as apply_chat_template(tokenize=True).</summary>
    public int[] EncodeChat(IEnumerable<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null) =>
        EncodeToIds(ApplyChatTemplate(messages, addGenerationPrompt, variables), addSpecialTokens: false);

    /// <summary>
    /// Reads a Hugging Face model folder: tokenizer.json when present (WordPiece, BPE or Unigram), else vocab.json and
    /// merges.txt (GPT-2, RoBERTa and Qwen2 tokenizers), else vocab.txt (BERT); tokenizer_config.json when present.
    /// Anything Kefu cannot run exactly is an <see cref="InvalidDataException"/> naming the file and the part.
    /// </summary>
    public static HfTokenizer Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Tokenizer folder {folder} does not exist.");
        string json = Path.Combine(folder, "tokenizer.json"), config = Path.Combine(folder, "tokenizer_config.json");
        var settings = File.Exists(config) ? TokenizerSettings.Load(config) : TokenizerSettings.Default;
        HfTokenizer tokenizer;
        if (File.Exists(json))
        {
            tokenizer = HuggingFaceJson.ReadObject(json, root => SubwordJson.ModelType(json, root)) == "WordPiece"
                ? new WordPieceTokenizer(BertTokenizer.FromTokenizerJson(json))
                : SubwordJson.Load(json);
        }
        else if (File.Exists(Path.Combine(folder, "vocab.json")) && File.Exists(Path.Combine(folder, "merges.txt")))
            tokenizer = BpeFiles.Load(folder, settings);
        else if (File.Exists(Path.Combine(folder, "vocab.txt")))
            tokenizer = new WordPieceTokenizer(BertTokenizer.FromVocabulary(folder));
        else
            throw new FileNotFoundException($"{folder} holds no tokenizer: Kefu reads tokenizer.json, vocab.json with merges.txt, or vocab.txt.");
        tokenizer.Settings = settings;
        return tokenizer;
    }
}

/// <summary>A <see cref="BertTokenizer"/> seen as an <see cref="HfTokenizer"/>; decoding is tokenizers' WordPiece decoder.</summary>
public sealed class WordPieceTokenizer(BertTokenizer bert) : HfTokenizer
{
    private readonly Decoder decoder = new Decoder.WordPieceDecoder("##", Cleanup: true);

    public BertTokenizer Bert { get; } = bert;

    public override TokenizerModelKind Kind => TokenizerModelKind.WordPiece;

    public override int VocabularySize => Math.Max(Bert.Vocabulary.Count, AddedTokens.Count == 0 ? 0 : AddedTokens.Max(t => t.Id) + 1);

    public override IReadOnlyList<AddedToken> AddedTokens => Bert.AddedTokens;

    public override HfEncoding Encode(string text, bool addSpecialTokens = false)
    {
        var encoding = Bert.EncodeUntruncated(text, addSpecialTokens);
        return new HfEncoding(encoding.InputIds, encoding.Offsets, encoding.SpecialTokensMask, encoding.WordIds);
    }

    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var special = AddedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        string text = decoder.Decode(ids.Where(id => !(skipSpecialTokens && special.Contains(id))).Select(id => TokenOf(id) ?? ""));
        return Settings.CleanUpTokenizationSpaces ? SubwordTokenizer.CleanUp(text) : text;
    }

    public override string? TokenOf(int id) => id >= 0 && id < VocabularySize ? Bert.TokenOf(id) : null;

    public override int? IdOf(string token) =>
        AddedTokens.FirstOrDefault(t => t.Content == token) is { } added ? added.Id
        : Bert.Vocabulary.TryGetId(token, out int id) ? id : null;
}
