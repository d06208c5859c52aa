using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A text as the encoder sees it: the template's special tokens around the pieces, and the words the entity head
/// tags — the pieces of one pre-tokenized word (Hugging Face's word_ids), spanning original characters [Start, End)
/// without surrounding whitespace. Legend: T pieces, W words.
/// </summary>
/// <param name="Ids">[T] piece ids.</param>
/// <param name="WordTokens">[W] the piece index of each word's first piece.</param>
/// <param name="WordSpans">[W] each word's characters in the original text.</param>
public sealed record TokenizedText(int[] Ids, int[] WordTokens, (int Start, int End)[] WordSpans)
{
    /// <summary>
    /// Words are trimmed of whitespace (Metaspace's "▁" covers the space before a word) and a word of whitespace
    /// alone (byte-level BPE's split of a run of spaces) is left out: the entity head tags characters, not spaces.
    /// </summary>
    public static TokenizedText Of(EncoderTokenizer tokenizer, string text, int maxLength)
    {
        var encoding = tokenizer.EncodeWithOffsets(text, maxLength);
        var tokens = new List<int>(encoding.Count);
        var spans = new List<(int Start, int End)>(encoding.Count);
        for (int t = 0; t < encoding.Count;)
        {
            int word = encoding.WordIds[t];
            if (word < 0)
            {
                t++;
                continue;   // <s>, </s>, [CLS], [SEP]
            }
            int first = t, start = encoding.Offsets[t].Start, end = encoding.Offsets[t].End;
            for (t++; t < encoding.Count && encoding.WordIds[t] == word; t++)
                (start, end) = (Math.Min(start, encoding.Offsets[t].Start), Math.Max(end, encoding.Offsets[t].End));
            while (start < end && char.IsWhiteSpace(text[start]))
                start++;
            while (end > start && char.IsWhiteSpace(text[end - 1]))
                end--;
            if (end > start)
            {
                tokens.Add(first);
                spans.Add((start, end));
            }
        }
        return new TokenizedText(encoding.InputIds, [.. tokens], [.. spans]);
    }
}
