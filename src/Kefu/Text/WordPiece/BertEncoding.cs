namespace Kefu.Text.WordPiece;

/// <summary>A range [Start, End) of UTF-16 units in the text the caller gave; (0, 0) for special tokens.</summary>
public readonly record struct TokenSpan(int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>
/// One encoded text, as Hugging Face's Encoding. Legend: T tokens, special ones included.
/// </summary>
/// <param name="InputIds">[T] token ids.</param>
/// <param name="TokenTypeIds">[T] segment ids from the post-processor's template (all 0 for one sentence).</param>
/// <param name="Offsets">[T] the original characters each token covers (return_offsets_mapping); (0, 0) for special tokens.
/// A continuation piece covers its own characters; a word that became [UNK] covers the whole word.</param>
/// <param name="WordIds">[T] index of the pre-tokenized word (or added token) each token came from; -1 for special tokens.</param>
/// <param name="SpecialTokensMask">[T] true where the post-processor added the token.</param>
public sealed record BertEncoding(int[] InputIds, int[] TokenTypeIds, TokenSpan[] Offsets, int[] WordIds, bool[] SpecialTokensMask)
{
    public int Count => InputIds.Length;
}

/// <summary>
/// A padded batch with everything an encoder or a token classifier needs. Legend: B sequences, T tokens (the longest).
/// </summary>
/// <param name="InputIds">[B*T] token ids, the padding id after each sequence.</param>
/// <param name="AttentionMask">[B*T] 1 for tokens, 0 for padding.</param>
/// <param name="TokenTypeIds">[B*T] segment ids, 0 on padding.</param>
/// <param name="Offsets">[B*T] original character ranges; (0, 0) for special tokens and padding.</param>
/// <param name="WordIds">[B*T] word index within its text; -1 for special tokens and padding.</param>
public sealed record BertEncodingBatch(int[] InputIds, float[] AttentionMask, int[] TokenTypeIds, TokenSpan[] Offsets, int[] WordIds, int Batch, int Time)
{
    /// <summary>The same ids and mask as a <see cref="BertBatch"/>, sharing the arrays.</summary>
    public BertBatch ModelInput => new(InputIds, AttentionMask, Batch, Time);
}

/// <summary>A padded batch. Legend: B sequences, T tokens.</summary>
/// <param name="InputIds">[B*T] token ids, padding id after each sequence's [SEP].</param>
/// <param name="AttentionMask">[B*T] 1 for tokens, 0 for padding.</param>
public sealed record BertBatch(int[] InputIds, float[] AttentionMask, int Batch, int Time);

/// <summary>tokenizer.json's "truncation" section, kept for callers to read; encoding truncates at the maxLength it is given.</summary>
public sealed record TokenizerTruncation(int MaxLength, string Strategy, string Direction, int Stride);

/// <summary>tokenizer.json's "padding" section; <see cref="FixedLength"/> is null for BatchLongest.</summary>
public sealed record TokenizerPadding(int PadId, string PadToken, int PadTypeId, string Direction, int? FixedLength, int? PadToMultipleOf);
