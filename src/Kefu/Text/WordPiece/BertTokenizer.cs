namespace Kefu.Text.WordPiece;

/// <summary>
/// Hugging Face's WordPiece tokenizers as the Rust tokenizers library runs them (BertTokenizerFast, AutoTokenizer,
/// sentence-transformers): read from tokenizer.json, or built from vocab.txt and tokenizer_config.json the way
/// transformers converts a slow BertTokenizer. Encoding adds the post-processor's special tokens ([CLS] ... [SEP]),
/// truncates and pads, and can return each token's character offsets in the original text.
/// </summary>
public sealed class BertTokenizer
{
    private readonly TokenizerPipeline pipeline;
    private readonly PostProcessor post;
    private readonly Dictionary<int, string> addedContent;

    /// <summary>BertTokenizerFast from a vocabulary and tokenizer_config.json's settings: BertNormalizer, BertPreTokenizer,
    /// WordPiece ("##", 100 characters), [CLS] $A [SEP], the special tokens matched whole in the text.</summary>
    public BertTokenizer(WordPieceVocabulary vocabulary, BertTokenizerOptions options)
    {
        UnknownId = vocabulary.RequireId(options.UnknownToken, "unknown");
        SeparatorId = vocabulary.RequireId(options.SeparatorToken, "separator");
        PaddingId = vocabulary.RequireId(options.PaddingToken, "padding");
        ClassifierId = vocabulary.RequireId(options.ClassifierToken, "classifier");
        Vocabulary = vocabulary;
        Options = options;
        var added = new List<AddedToken>();
        foreach (string special in options.SpecialTokens.Distinct())
        {
            if (special.Length > 0 && vocabulary.TryGetId(special, out int id))
                added.Add(new AddedToken(special, id));
        }
        foreach (var token in options.AddedTokens ?? [])
        {
            added.RemoveAll(t => t.Content == token.Content);
            added.Add(token);
        }
        var normalizer = NormalizerStep.Bert(cleanText: true, options.SplitChineseCharacters, options.StripAccents ?? options.LowerCase, options.LowerCase).ToArray();
        pipeline = new TokenizerPipeline(normalizer, [new BertPreTokenizerStep()], vocabulary, UnknownId,
            WordPieceVocabulary.ContinuationPrefix, WordPieceVocabulary.MaxCharactersPerWord, added);
        post = new PostProcessor([([ClassifierId], 0), (null, 0), ([SeparatorId], 0)]);
        addedContent = added.ToDictionary(t => t.Id, t => t.Content);
    }

    internal BertTokenizer(TokenizerPipeline pipeline, PostProcessor post, BertTokenizerOptions options, int unknownId, int paddingId,
        TokenizerTruncation? truncation, TokenizerPadding? padding)
    {
        this.pipeline = pipeline;
        this.post = post;
        Vocabulary = pipeline.Vocabulary;
        Options = options;
        UnknownId = unknownId;
        PaddingId = paddingId;
        var specials = post.Template.Where(p => p.Ids is { Length: > 0 }).Select(p => p.Ids!).ToArray();
        ClassifierId = specials.Length > 0 ? specials[0][0] : -1;
        SeparatorId = specials.Length > 0 ? specials[^1][^1] : -1;
        Truncation = truncation;
        Padding = padding;
        addedContent = [];
        foreach (var token in pipeline.AddedTokens)
            addedContent[token.Id] = token.Content;
    }

    /// <summary>
    /// Reads a Hugging Face model folder: tokenizer.json when it is there (with tokenizer_config.json's model_max_length),
    /// else vocab.txt and, when present, tokenizer_config.json.
    /// </summary>
    public static BertTokenizer Load(string folder)
    {
        string json = Path.Combine(folder, "tokenizer.json");
        return File.Exists(json) ? FromTokenizerJson(json) : FromVocabulary(folder);
    }

    /// <summary>Reads tokenizer.json (and tokenizer_config.json beside it, when present, for model_max_length and token names).</summary>
    public static BertTokenizer FromTokenizerJson(string path) => TokenizerJson.Load(path);

    /// <summary>Reads vocab.txt and, when present, tokenizer_config.json from a folder, ignoring any tokenizer.json.</summary>
    public static BertTokenizer FromVocabulary(string folder)
    {
        string config = Path.Combine(folder, "tokenizer_config.json");
        var options = File.Exists(config) ? BertTokenizerOptions.Load(config) : new BertTokenizerOptions();
        return new BertTokenizer(WordPieceVocabulary.Load(Path.Combine(folder, "vocab.txt")), options);
    }

    public WordPieceVocabulary Vocabulary { get; }
    public BertTokenizerOptions Options { get; }
    public int UnknownId { get; }

    /// <summary>The last special token of the template ([SEP]); -1 when the template adds none.</summary>
    public int SeparatorId { get; }

    public int PaddingId { get; }

    /// <summary>The first special token of the template ([CLS]); -1 when the template adds none.</summary>
    public int ClassifierId { get; }

    /// <summary>How many special tokens encoding adds to one text (2 for [CLS] ... [SEP]).</summary>
    public int SpecialTokenCount => post.AddedCount;

    /// <summary>tokenizer.json's truncation section, if any; encoding truncates at the maxLength it is given.</summary>
    public TokenizerTruncation? Truncation { get; }

    /// <summary>tokenizer.json's padding section, if any; its pad id is the one batches pad with.</summary>
    public TokenizerPadding? Padding { get; }

    /// <summary>Tokens matched whole in the text before WordPiece ([CLS], [SEP]... and added_tokens).</summary>
    public IReadOnlyList<AddedToken> AddedTokens => pipeline.AddedTokens;

    /// <summary>The token with this id: an added token's content or the vocabulary's entry.</summary>
    public string TokenOf(int id) => addedContent.TryGetValue(id, out string? content) ? content : Vocabulary[id];

    /// <summary>What the normalizer makes of <paramref name="text"/> (lower-cased, accents stripped, CJK spaced...).</summary>
    public string Normalize(string text) => pipeline.Normalize(text);

    /// <summary>Token ids of the text, without special tokens and without truncation.</summary>
    public List<int> TokenIds(string text)
    {
        var tokens = pipeline.Tokenize(text);
        return [.. tokens.Ids.AsSpan(0, tokens.Count)];
    }

    /// <summary>The pieces as strings, e.g. ["refund", "##ed"].</summary>
    public IReadOnlyList<string> Tokenize(string text) => TokenIds(text).Select(TokenOf).ToArray();

    /// <summary>[CLS] pieces [SEP], the pieces cut so that the whole is at most <paramref name="maxLength"/> ids.</summary>
    public int[] Encode(string text, int maxLength)
    {
        int kept = Kept(text, maxLength, out var tokens);
        var ids = new int[kept + post.AddedCount];
        int at = 0;
        foreach (var (special, _) in post.Template)
        {
            if (special is null)
            {
                tokens.Ids.AsSpan(0, kept).CopyTo(ids.AsSpan(at));
                at += kept;
            }
            else
            {
                special.CopyTo(ids, at);
                at += special.Length;
            }
        }
        return ids;
    }

    /// <summary>Encodes with token type ids, special token mask, word ids and original character offsets.</summary>
    public BertEncoding EncodeWithOffsets(string text, int maxLength)
    {
        int kept = Kept(text, maxLength, out var tokens);
        int count = kept + post.AddedCount;
        var encoding = new BertEncoding(new int[count], new int[count], new TokenSpan[count], new int[count], new bool[count]);
        Write(post, tokens, kept, encoding.InputIds, encoding.TokenTypeIds, encoding.Offsets, encoding.WordIds, encoding.SpecialTokensMask);
        return encoding;
    }

    /// <summary>Encodes every text and pads them to the longest (at most <paramref name="maxLength"/>).</summary>
    public BertBatch EncodeBatch(IReadOnlyList<string> texts, int maxLength)
    {
        if (texts.Count == 0)
            throw new ArgumentException("Cannot encode an empty batch.", nameof(texts));
        var encoded = new int[texts.Count][];
        for (int b = 0; b < texts.Count; b++)
            encoded[b] = Encode(texts[b], maxLength);
        int time = encoded.Max(e => e.Length);
        var ids = new int[texts.Count * time];
        var mask = new float[texts.Count * time];
        Array.Fill(ids, PaddingId);
        for (int b = 0; b < encoded.Length; b++)
        {
            encoded[b].CopyTo(ids, b * time);
            mask.AsSpan(b * time, encoded[b].Length).Fill(1f);
        }
        return new BertBatch(ids, mask, texts.Count, time);
    }

    /// <summary>Encodes every text with offsets, word ids and token type ids, padded to the longest (at most <paramref name="maxLength"/>).</summary>
    public BertEncodingBatch EncodeBatchWithOffsets(IReadOnlyList<string> texts, int maxLength)
    {
        if (texts.Count == 0)
            throw new ArgumentException("Cannot encode an empty batch.", nameof(texts));
        var encoded = texts.Select(t => EncodeWithOffsets(t, maxLength)).ToArray();
        int time = encoded.Max(e => e.Count), size = texts.Count * time;
        var batch = new BertEncodingBatch(new int[size], new float[size], new int[size], new TokenSpan[size], new int[size], texts.Count, time);
        Array.Fill(batch.InputIds, PaddingId);
        Array.Fill(batch.TokenTypeIds, Padding?.PadTypeId ?? 0);
        Array.Fill(batch.WordIds, -1);
        for (int b = 0; b < encoded.Length; b++)
        {
            var e = encoded[b];
            e.InputIds.CopyTo(batch.InputIds, b * time);
            e.TokenTypeIds.CopyTo(batch.TokenTypeIds, b * time);
            e.Offsets.CopyTo(batch.Offsets, b * time);
            e.WordIds.CopyTo(batch.WordIds, b * time);
            batch.AttentionMask.AsSpan(b * time, e.Count).Fill(1f);
        }
        return batch;
    }

    /// <summary>Encodes the whole text, with the template's special tokens or without, never truncated.</summary>
    public BertEncoding EncodeUntruncated(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = pipeline.Tokenize(text);
        var template = addSpecialTokens ? post : PostProcessor.None;
        int count = tokens.Count + template.AddedCount;
        var encoding = new BertEncoding(new int[count], new int[count], new TokenSpan[count], new int[count], new bool[count]);
        Write(template, tokens, tokens.Count, encoding.InputIds, encoding.TokenTypeIds, encoding.Offsets, encoding.WordIds, encoding.SpecialTokensMask);
        return encoding;
    }

    // tokenizes and returns how many tokens fit beside the template's special tokens
    private int Kept(string text, int maxLength, out TokenBuffer tokens)
    {
        int least = Math.Max(post.AddedCount, 1);
        if (maxLength < least || maxLength > Options.ModelMaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"Max length {maxLength} must be in [{least}, {Options.ModelMaxLength}] (model_max_length).");
        ArgumentNullException.ThrowIfNull(text);
        tokens = pipeline.Tokenize(text);
        return Math.Min(tokens.Count, maxLength - post.AddedCount);
    }

    private static void Write(PostProcessor template, TokenBuffer tokens, int kept, int[] ids, int[] typeIds, TokenSpan[] offsets, int[] words, bool[] special)
    {
        int at = 0;
        foreach (var (specialIds, typeId) in template.Template)
        {
            if (specialIds is null)
            {
                for (int i = 0; i < kept; i++, at++)
                {
                    ids[at] = tokens.Ids[i];
                    typeIds[at] = typeId;
                    offsets[at] = new TokenSpan(tokens.Starts[i], tokens.Ends[i]);
                    words[at] = tokens.Words[i];
                }
                continue;
            }
            foreach (int id in specialIds)
            {
                ids[at] = id;
                typeIds[at] = typeId;
                words[at] = -1;
                special[at++] = true;
            }
        }
    }
}
