using System.Text.Json;
using Kefu.Text.WordPiece;

namespace Kefu.Tests.Pretrained;

/// <summary>
/// Character offsets of word pieces in the caller's text (Hugging Face's return_offsets_mapping, in UTF-16 units),
/// with all-MiniLM-L6-v2's uncased tokenizer; expected values agree with tokenizers 0.23.2.
/// </summary>
public sealed class TokenizerOffsetsTests
{
    private static readonly Lazy<BertTokenizer> MiniLm = new(() => BertTokenizer.Load(Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2")));

    [MiniLmFact]
    public void Accented_english_maps_pieces_to_their_own_characters()
    {
        var encoding = MiniLm.Value.EncodeWithOffsets("Café refunds", 64);
        Assert.Equal(["[CLS]", "cafe", "ref", "##unds", "[SEP]"], Tokens(encoding));
        Assert.Equal([(0, 0), (0, 4), (5, 8), (8, 12), (0, 0)], Spans(encoding));
        Assert.Equal([-1, 0, 1, 1, -1], encoding.WordIds);
        Assert.Equal([true, false, false, false, true], encoding.SpecialTokensMask);
        Assert.All(encoding.TokenTypeIds, t => Assert.Equal(0, t));
        // as in tokenizers, a piece ends at its last kept character: the dropped accent after "e" stays outside
        Assert.Equal((0, 4), Spans(MiniLm.Value.EncodeWithOffsets("Cafe\u0301 refunds", 64))[1]);
    }

    [MiniLmFact]
    public void Chinese_characters_are_one_character_each()
    {
        var encoding = MiniLm.Value.EncodeWithOffsets("我想退货，订单号是12345", 64);
        Assert.Equal(["[CLS]", "我", "[UNK]", "[UNK]", "[UNK]", "，", "[UNK]", "[UNK]", "[UNK]", "[UNK]", "123", "##45", "[SEP]"], Tokens(encoding));
        Assert.Equal([(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (9, 12), (12, 14), (0, 0)], Spans(encoding));
    }

    [MiniLmFact]
    public void Mixed_chinese_and_english()
    {
        var encoding = MiniLm.Value.EncodeWithOffsets("退款refund! 订单#A-1024", 64);
        Assert.Equal(["[CLS]", "[UNK]", "[UNK]", "ref", "##und", "!", "[UNK]", "[UNK]", "#", "a", "-", "102", "##4", "[SEP]"], Tokens(encoding));
        Assert.Equal([(0, 0), (0, 1), (1, 2), (2, 5), (5, 8), (8, 9), (10, 11), (11, 12), (12, 13), (13, 14), (14, 15), (15, 18), (18, 19), (0, 0)], Spans(encoding));
    }

    [MiniLmFact]
    public void Whitespace_and_control_characters_are_skipped_but_counted()
    {
        var spaced = MiniLm.Value.EncodeWithOffsets("tab\there\nnew\u00a0line\u3000end", 64);
        Assert.Equal(["[CLS]", "tab", "here", "new", "line", "end", "[SEP]"], Tokens(spaced));
        Assert.Equal([(0, 0), (0, 3), (4, 8), (9, 12), (13, 17), (18, 21), (0, 0)], Spans(spaced));
        // NUL and BEL vanish; a piece spanning a dropped character covers it
        var control = MiniLm.Value.EncodeWithOffsets("ctrl\u0000char\u0007s", 64);
        Assert.Equal(["[CLS]", "ct", "##rl", "##cha", "##rs", "[SEP]"], Tokens(control));
        Assert.Equal([(0, 0), (0, 2), (2, 4), (5, 8), (8, 11), (0, 0)], Spans(control));
    }

    [MiniLmFact]
    public void Emoji_count_as_two_utf16_units()
    {
        var encoding = MiniLm.Value.EncodeWithOffsets("Hello 😊 world", 64);
        Assert.Equal([(0, 0), (0, 5), (6, 8), (9, 14), (0, 0)], Spans(encoding));
    }

    [MiniLmFact]
    public void Truncation_keeps_the_offsets_of_what_is_kept()
    {
        var encoding = MiniLm.Value.EncodeWithOffsets("Café refunds", 3);
        Assert.Equal(["[CLS]", "cafe", "[SEP]"], Tokens(encoding));
        Assert.Equal([(0, 0), (0, 4), (0, 0)], Spans(encoding));
    }

    [MiniLmFact]
    public void Every_piece_covers_characters_that_normalize_to_it_over_the_fixture_and_oracle_texts()
    {
        var tokenizer = MiniLm.Value;
        using var oracle = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Kefu.Tests", "Pretrained", "tokenizer-oracle.json")));
        // the oracle's texts begin with the fixture's 24
        var texts = oracle.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        int checkedPieces = 0;
        foreach (string text in texts)
        {
            var encoding = tokenizer.EncodeWithOffsets(text, 512);
            for (int i = 0; i < encoding.Count; i++)
            {
                if (encoding.SpecialTokensMask[i] || encoding.InputIds[i] == tokenizer.UnknownId)
                    continue;
                string piece = tokenizer.TokenOf(encoding.InputIds[i]);
                bool continuation = i > 0 && encoding.WordIds[i - 1] == encoding.WordIds[i];
                if (continuation)
                    piece = piece[WordPieceVocabulary.ContinuationPrefix.Length..];
                var span = encoding.Offsets[i];
                string normalized = tokenizer.Normalize(text[span.Start..span.End]).Trim();
                // pieces of one decomposed character (Hangul 한 → ᄒ ##ᅡ ##ᆫ) all point at that character
                bool shared = (i > 0 && encoding.Offsets[i - 1] == span) || (i + 1 < encoding.Count && encoding.Offsets[i + 1] == span);
                if (tokenizer.Options.SpecialTokens.Contains(piece))
                    Assert.Equal(piece, text[span.Start..span.End]); // [MASK] written in the text is matched as it is
                else if (shared)
                    Assert.Contains(piece, normalized);
                else
                    Assert.Equal(piece, normalized);
                checkedPieces++;
            }
        }
        Assert.True(checkedPieces > 250, $"only {checkedPieces} pieces checked");
    }

    [MiniLmFact]
    public void Both_loaders_and_the_batch_give_the_same_offsets()
    {
        var fromVocabulary = BertTokenizer.FromVocabulary(Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2"));
        using var oracle = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Kefu.Tests", "Pretrained", "tokenizer-oracle.json")));
        var texts = oracle.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var batch = MiniLm.Value.EncodeBatchWithOffsets(texts, 512);
        for (int b = 0; b < texts.Length; b++)
        {
            var single = MiniLm.Value.EncodeWithOffsets(texts[b], 512);
            Assert.Equal(single.Offsets, fromVocabulary.EncodeWithOffsets(texts[b], 512).Offsets);
            Assert.Equal(single.Offsets, batch.Offsets.AsSpan(b * batch.Time, single.Count).ToArray());
            Assert.Equal(single.WordIds, batch.WordIds.AsSpan(b * batch.Time, single.Count).ToArray());
            Assert.All(batch.Offsets.AsSpan((b * batch.Time) + single.Count, batch.Time - single.Count).ToArray(), o => Assert.Equal(default, o));
            Assert.All(batch.WordIds.AsSpan((b * batch.Time) + single.Count, batch.Time - single.Count).ToArray(), w => Assert.Equal(-1, w));
        }
    }

    private static string[] Tokens(BertEncoding encoding) => [.. encoding.InputIds.Select(MiniLm.Value.TokenOf)];

    private static (int, int)[] Spans(BertEncoding encoding) => [.. encoding.Offsets.Select(o => (o.Start, o.End))];
}
