using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A text as the encoder sees it: [CLS] pieces [SEP], and the words the entity head tags — a first piece with its
/// "##" continuations, spanning original characters [Start, End). Legend: T pieces, W words.
/// </summary>
/// <param name="Ids">[T] piece ids.</param>
/// <param name="WordTokens">[W] the piece index of each word's first piece.</param>
/// <param name="WordSpans">[W] each word's characters in the original text.</param>
public sealed record TokenizedText(int[] Ids, int[] WordTokens, (int Start, int End)[] WordSpans)
{
    public static TokenizedText Of(BertTokenizer tokenizer, string text, int maxLength)
    {
        var encoding = tokenizer.EncodeWithOffsets(text, maxLength);
        var ids = encoding.Ids;
        var tokens = new List<int>(ids.Length);
        var spans = new List<(int, int)>(ids.Length);
        for (int t = 0; t < ids.Length; t++)
        {
            var (start, end) = encoding.Offsets[t];
            if (end <= start)
                continue;   // [CLS], [SEP] and other specials have (0, 0)
            bool continuation = tokens.Count > 0 && tokenizer.Vocabulary[ids[t]].StartsWith("##", StringComparison.Ordinal)
                && spans[^1].Item2 == start;
            if (continuation)
                spans[^1] = (spans[^1].Item1, end);
            else
            {
                tokens.Add(t);
                spans.Add((start, end));
            }
        }
        return new TokenizedText(ids, [.. tokens], [.. spans]);
    }
}
