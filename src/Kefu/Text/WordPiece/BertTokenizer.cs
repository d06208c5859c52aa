namespace Kefu.Text.WordPiece;

/// <summary>
/// Hugging Face's BertTokenizer: special tokens written in the text are kept whole, the rest goes through
/// <see cref="BertBasicTokenizer"/> and WordPiece; encoding adds [CLS] ... [SEP], truncates and pads.
/// </summary>
public sealed class BertTokenizer
{
    private readonly BertBasicTokenizer basic;
    private readonly string[] specialTokens;

    public BertTokenizer(WordPieceVocabulary vocabulary, BertTokenizerOptions options)
    {
        Vocabulary = vocabulary;
        Options = options;
        basic = new BertBasicTokenizer(options.LowerCase, options.StripAccents, options.SplitChineseCharacters);
        UnknownId = vocabulary.RequireId(options.UnknownToken, "unknown");
        SeparatorId = vocabulary.RequireId(options.SeparatorToken, "separator");
        PaddingId = vocabulary.RequireId(options.PaddingToken, "padding");
        ClassifierId = vocabulary.RequireId(options.ClassifierToken, "classifier");
        // longest first, so that a special token containing another wins
        specialTokens = options.SpecialTokens.Where(t => t.Length > 0 && vocabulary.TryGetId(t, out _)).Distinct().OrderByDescending(t => t.Length).ToArray();
    }

    /// <summary>Reads vocab.txt and, when present, tokenizer_config.json from a Hugging Face model folder.</summary>
    public static BertTokenizer Load(string folder)
    {
        string config = Path.Combine(folder, "tokenizer_config.json");
        var options = File.Exists(config) ? BertTokenizerOptions.Load(config) : new BertTokenizerOptions();
        return new BertTokenizer(WordPieceVocabulary.Load(Path.Combine(folder, "vocab.txt")), options);
    }

    public WordPieceVocabulary Vocabulary { get; }
    public BertTokenizerOptions Options { get; }
    public int UnknownId { get; }
    public int SeparatorId { get; }
    public int PaddingId { get; }
    public int ClassifierId { get; }

    /// <summary>WordPiece ids of the text, without [CLS] and [SEP].</summary>
    public List<int> TokenIds(string text)
    {
        var ids = new List<int>();
        int start = 0;
        while (start < text.Length)
        {
            var (at, special) = NextSpecialToken(text, start);
            foreach (string word in basic.Tokenize(text[start..at]))
                Vocabulary.Segment(word, UnknownId, ids);
            if (special is null)
                break;
            ids.Add(Vocabulary.RequireId(special, "special"));
            start = at + special.Length;
        }
        return ids;
    }

    /// <summary>The pieces as strings, e.g. ["refund", "##ed"].</summary>
    public IReadOnlyList<string> Tokenize(string text) => TokenIds(text).Select(id => Vocabulary[id]).ToArray();

    /// <summary>[CLS] pieces [SEP], the pieces cut so that the whole is at most <paramref name="maxLength"/> ids.</summary>
    public int[] Encode(string text, int maxLength)
    {
        if (maxLength < 2 || maxLength > Options.ModelMaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"Max length {maxLength} must be in [2, {Options.ModelMaxLength}] (model_max_length).");
        var pieces = TokenIds(text);
        int kept = Math.Min(pieces.Count, maxLength - 2);
        var ids = new int[kept + 2];
        ids[0] = ClassifierId;
        pieces.CopyTo(0, ids, 1, kept);
        ids[^1] = SeparatorId;
        return ids;
    }

    /// <summary>Encodes every text and pads them to the longest (at most <paramref name="maxLength"/>).</summary>
    public BertBatch EncodeBatch(IReadOnlyList<string> texts, int maxLength)
    {
        if (texts.Count == 0)
            throw new ArgumentException("Cannot encode an empty batch.", nameof(texts));
        var encoded = texts.Select(t => Encode(t, maxLength)).ToArray();
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

    private (int At, string? Token) NextSpecialToken(string text, int start)
    {
        int best = text.Length;
        string? token = null;
        foreach (string special in specialTokens)
        {
            int at = text.IndexOf(special, start, StringComparison.Ordinal);
            if (at >= 0 && at < best)
            {
                best = at;
                token = special;
            }
        }
        return (best, token);
    }
}

/// <summary>A padded batch. Legend: B sequences, T tokens.</summary>
/// <param name="InputIds">[B*T] token ids, padding id after each sequence's [SEP].</param>
/// <param name="AttentionMask">[B*T] 1 for tokens, 0 for padding.</param>
public sealed record BertBatch(int[] InputIds, float[] AttentionMask, int Batch, int Time);
