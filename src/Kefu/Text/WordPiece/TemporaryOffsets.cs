namespace Kefu.Text.WordPiece;

// TEMPORARY until the tokenizer's own offsets land: pieces found by search in the lower-cased text.
public sealed record TokenOffsetsEncoding(int[] Ids, (int Start, int End)[] Offsets);

public static class TemporaryOffsets
{
    public static TokenOffsetsEncoding EncodeWithOffsets(this BertTokenizer tokenizer, string text, int maxLength)
    {
        var ids = tokenizer.Encode(text, maxLength);
        var offsets = new (int, int)[ids.Length];
        string lower = text.ToLowerInvariant();
        int cursor = 0;
        for (int t = 1; t < ids.Length - 1; t++)
        {
            string piece = tokenizer.Vocabulary[ids[t]];
            if (piece.StartsWith("##", StringComparison.Ordinal)) piece = piece[2..];
            int at = ids[t] == tokenizer.UnknownId ? -1 : lower.IndexOf(piece, cursor, StringComparison.Ordinal);
            if (at < 0)
            {
                while (cursor < text.Length && char.IsWhiteSpace(text[cursor])) cursor++;
                int end = cursor;
                while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
                offsets[t] = (cursor, Math.Max(cursor + 1, end));
                cursor = end;
                continue;
            }
            offsets[t] = (at, at + piece.Length);
            cursor = at + piece.Length;
        }
        return new TokenOffsetsEncoding(ids, offsets);
    }
}
