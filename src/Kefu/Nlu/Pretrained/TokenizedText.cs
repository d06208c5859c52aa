using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A text as the encoder sees it: [CLS] pieces [SEP], and the words the entity head tags — the pieces of one
/// pre-tokenized word (Hugging Face's word_ids), spanning original characters [Start, End). Legend: T pieces, W words.
/// </summary>
/// <param name="Ids">[T] piece ids.</param>
/// <param name="WordTokens">[W] the piece index of each word's first piece.</param>
/// <param name="WordSpans">[W] each word's characters in the original text.</param>
public sealed record TokenizedText(int[] Ids, int[] WordTokens, (int Start, int End)[] WordSpans)
{
    public static TokenizedText Of(BertTokenizer tokenizer, string text, int maxLength)
    {
        var encoding = tokenizer.EncodeWithOffsets(text, maxLength);
        var tokens = new List<int>(encoding.Count);
        var spans = new List<(int Start, int End)>(encoding.Count);
        int word = -1;
        for (int t = 0; t < encoding.Count; t++)
        {
            if (encoding.WordIds[t] < 0)
                continue;   // [CLS], [SEP] and other specials
            var piece = encoding.Offsets[t];
            if (encoding.WordIds[t] == word)
                spans[^1] = (Math.Min(spans[^1].Start, piece.Start), Math.Max(spans[^1].End, piece.End));
            else
            {
                word = encoding.WordIds[t];
                tokens.Add(t);
                spans.Add((piece.Start, piece.End));
            }
        }
        return new TokenizedText(encoding.InputIds, [.. tokens], [.. spans]);
    }
}
