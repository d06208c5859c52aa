using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// The tokenizer of an encoder folder as the transformer NLU uses it (TransformerNlu, FineTuner, Distiller,
/// SentenceEncoder, LanguageModelFeaturizer, TokenizedText): ids inside the model's special-token template ([CLS] ...
/// [SEP], &lt;s&gt; ... &lt;/s&gt;), each token's original characters and word id, truncation that keeps the closing
/// special token, and padding with the tokenizer's pad id. WordPiece folders run <see cref="BertTokenizer"/> as
/// before; byte-level BPE (RoBERTa) and Unigram (XLM-R) folders run <see cref="SubwordTokenizer"/>.
/// </summary>
public abstract class EncoderTokenizer
{
    public abstract TokenizerModelKind Kind { get; }

    /// <summary>The id batches are padded with: [PAD] for BERT, &lt;pad&gt; (1) for RoBERTa.</summary>
    public abstract int PaddingId { get; }

    /// <summary>How many special tokens the template adds to one text (2 for [CLS] ... [SEP] and &lt;s&gt; ... &lt;/s&gt;).</summary>
    public abstract int SpecialTokenCount { get; }

    /// <summary>tokenizer_config.json's model_max_length: the most ids one text may have.</summary>
    public abstract int ModelMaxLength { get; }

    /// <summary>
    /// Ids with the template, token type ids, offsets in <paramref name="text"/> ((0, 0) for special tokens), word
    /// ids (-1 for special tokens) and the special-token mask; the text's tokens are cut so that the whole is at most
    /// <paramref name="maxLength"/> ids.
    /// </summary>
    public abstract BertEncoding EncodeWithOffsets(string text, int maxLength);

    /// <summary>The ids of <see cref="EncodeWithOffsets"/>.</summary>
    public virtual int[] Encode(string text, int maxLength) => EncodeWithOffsets(text, maxLength).InputIds;

    /// <summary>Every text encoded and right-padded with <see cref="PaddingId"/> to the longest (at most <paramref name="maxLength"/>).</summary>
    public virtual BertBatch EncodeBatch(IReadOnlyList<string> texts, int maxLength)
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

    /// <summary>
    /// Reads the tokenizer of a Hugging Face encoder folder (<see cref="HfTokenizer.Load"/>). A BPE or Unigram tokenizer
    /// needs a post-processor that adds the model's special tokens and a pad_token in tokenizer_config.json; without
    /// them it is an <see cref="InvalidDataException"/> naming the folder, before any weights are read.
    /// </summary>
    public static EncoderTokenizer Load(string folder)
    {
        var tokenizer = HfTokenizer.Load(folder);
        if (tokenizer is WordPieceTokenizer wordPiece)
            return new WordPieceEncoder(wordPiece.Bert);
        if (tokenizer is not SubwordTokenizer subword)
            throw new InvalidDataException($"{folder}: the {tokenizer.Kind} tokenizer is not supported by the transformer NLU; it runs WordPiece, BPE and Unigram tokenizers.");
        string kind = subword.Kind == TokenizerModelKind.Bpe ? "BPE" : "Unigram";
        if (subword.SpecialTokenCount == 0)
            throw new InvalidDataException(
                $"{folder}: the {kind} tokenizer has no post-processor adding the encoder's special tokens (RoBERTa's <s> ... </s>); "
                + "the transformer NLU reads the first token's state for intents. Give tokenizer.json a RobertaProcessing or TemplateProcessing post_processor.");
        int padding = subword.SpecialId(subword.Settings.PadToken)
            ?? throw new InvalidDataException(
                $"{folder}: the {kind} tokenizer has no pad token: tokenizer_config.json must name a \"pad_token\" that is in the vocabulary "
                + "(RoBERTa's is \"<pad>\"); batches are padded with it.");
        return new SubwordEncoder(subword, padding);
    }

    /// <summary>WordPiece: <see cref="BertTokenizer"/>'s own encoding, truncation and padding, unchanged.</summary>
    private sealed class WordPieceEncoder(BertTokenizer bert) : EncoderTokenizer
    {
        public override TokenizerModelKind Kind => TokenizerModelKind.WordPiece;
        public override int PaddingId => bert.PaddingId;
        public override int SpecialTokenCount => bert.SpecialTokenCount;
        public override int ModelMaxLength => bert.Options.ModelMaxLength;
        public override BertEncoding EncodeWithOffsets(string text, int maxLength) => bert.EncodeWithOffsets(text, maxLength);
        public override int[] Encode(string text, int maxLength) => bert.Encode(text, maxLength);
        public override BertBatch EncodeBatch(IReadOnlyList<string> texts, int maxLength) => bert.EncodeBatch(texts, maxLength);
    }

    /// <summary>BPE or Unigram: the template's type ids are 0 (RoBERTa and XLM-R have one token type).</summary>
    private sealed class SubwordEncoder(SubwordTokenizer tokenizer, int padding) : EncoderTokenizer
    {
        public override TokenizerModelKind Kind => tokenizer.Kind;
        public override int PaddingId => padding;
        public override int SpecialTokenCount => tokenizer.SpecialTokenCount;
        public override int ModelMaxLength => tokenizer.Settings.ModelMaxLength;

        public override BertEncoding EncodeWithOffsets(string text, int maxLength)
        {
            int limit = tokenizer.Settings.ModelMaxLength;
            if (maxLength > limit)
                throw new ArgumentOutOfRangeException(nameof(maxLength), $"Max length {maxLength} is above the tokenizer's model_max_length {limit}.");
            var e = tokenizer.EncodeTruncated(text, maxLength);
            return new BertEncoding(e.Ids, new int[e.Count], e.Offsets, e.WordIds, e.SpecialTokensMask);
        }
    }
}
