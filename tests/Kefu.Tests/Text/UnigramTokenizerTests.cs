using System.Text.Json.Nodes;
using Kefu.Text.Hf;

namespace Kefu.Tests.Text;

/// <summary>
/// Unigram (SentencePiece) on a hand-made tokenizer.json in XLM-R's shape, where the best segmentation can be worked out
/// by hand: "▁he" + "llo" (-2 - 2 = -4) beats "▁hello" (-5); "▁world" (-4) beats "▁w" + "orld" (-3 - 2.5); a character
/// no piece covers is unknown (min score - 10), and unknowns next to each other fuse.
/// </summary>
public class UnigramTokenizerTests
{
    private static readonly (string Piece, double Score)[] Vocabulary =
    [
        ("<unk>", 0), ("<s>", 0), ("</s>", 0), ("▁", -2), ("▁hello", -5), ("▁he", -2), ("llo", -2), ("▁world", -4), ("▁w", -3), ("orld", -2.5),
        ("h", -6), ("e", -6), ("l", -6), ("o", -6), ("w", -6), ("r", -6), ("d", -6),
    ];

    private static string Write(Action<JsonObject>? change = null, (string, double)[]? extra = null)
    {
        var vocab = new JsonArray([.. Vocabulary.Concat(extra ?? []).Select(v => (JsonNode)new JsonArray(v.Item1, v.Item2))]);
        var root = JsonNode.Parse("""
            {
              "version": "1.0",
              "added_tokens": [
                {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
              ],
              "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
              "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
              "post_processor": {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
              "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
              "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false}
            }
            """)!.AsObject();
        root["model"]!["vocab"] = vocab;
        change?.Invoke(root);
        string folder = Directory.CreateTempSubdirectory("kefu-unigram-").FullName;
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), root.ToJsonString());
        return folder;
    }

    private static int Id(string piece) => Array.FindIndex(Vocabulary, v => v.Piece == piece);

    [Fact]
    public void Viterbi_picks_the_best_segmentation()
    {
        var tokenizer = HfTokenizer.Load(Write());
        Assert.Equal(TokenizerModelKind.Unigram, tokenizer.Kind);
        Assert.Equal(new[] { Id("▁he"), Id("llo"), Id("▁world") }, tokenizer.EncodeToIds("hello world"));
        Assert.Equal(new[] { 1, Id("▁he"), Id("llo"), Id("▁world"), 2 }, tokenizer.EncodeToIds("hello world", addSpecialTokens: true));
        Assert.Equal("hello world", tokenizer.Decode(tokenizer.EncodeToIds("hello world")));
        Assert.Equal("hello world", tokenizer.Decode(tokenizer.EncodeToIds("hello world", addSpecialTokens: true), skipSpecialTokens: true));
        // "▁w" + "o" (-3 - 6) beats "▁" + "w" + "o" (-2 - 6 - 6)
        Assert.Equal(new[] { Id("▁w"), Id("o") }, tokenizer.EncodeToIds("wo"));
    }

    [Fact]
    public void Nfkc_and_the_space_regex_normalize_and_offsets_point_into_the_original()
    {
        var tokenizer = HfTokenizer.Load(Write());
        const string text = "ｈｅｌｌｏ   world";
        var encoding = tokenizer.Encode(text);
        Assert.Equal(new[] { Id("▁he"), Id("llo"), Id("▁world") }, encoding.Ids);
        // the prepended "▁" takes the first character's range; the "▁" that replaced the spaces takes the last space's
        Assert.Equal([(0, 2), (2, 5), (7, 13)], encoding.Offsets.Select(o => (o.Start, o.End)));
    }

    [Fact]
    public void Unknown_characters_fuse_into_one_unknown_token()
    {
        var tokenizer = HfTokenizer.Load(Write());
        var encoding = tokenizer.Encode("hello 🙂x");
        Assert.Equal(new[] { Id("▁he"), Id("llo"), Id("▁"), 0 }, encoding.Ids);
        Assert.Equal((6, 9), (encoding.Offsets[^1].Start, encoding.Offsets[^1].End));
    }

    [Fact]
    public void Byte_fallback_spells_unknown_characters_in_bytes_and_decodes_them()
    {
        (string, double)[] bytes = [("<0xF0>", -10), ("<0x9F>", -10), ("<0x99>", -10), ("<0x82>", -10), ("<0x78>", -10)];
        string folder = Write(root =>
        {
            root["model"]!["byte_fallback"] = true;
            // Llama's decoder chain
            root["decoder"] = JsonNode.Parse("""{"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}""");
        }, bytes);
        var tokenizer = HfTokenizer.Load(folder);
        int first = Vocabulary.Length;
        var ids = tokenizer.EncodeToIds("hello 🙂x");
        Assert.Equal(new[] { Id("▁he"), Id("llo"), Id("▁"), first, first + 1, first + 2, first + 3, first + 4 }, ids);
        Assert.Equal("hello 🙂x", tokenizer.Decode(ids));
    }

    [Theory]
    [InlineData("AAAA", "too short")]                       // 3 bytes
    [InlineData("QAAAAAAA", "does not fit")]                // a trie of 64 bytes in 6
    [InlineData("not base64!", "is not base64")]
    [InlineData(null, "without \"precompiled_charsmap\"")]
    public void A_malformed_precompiled_charsmap_is_a_clear_error(string? charsmap, string problem)
    {
        var normalizer = new JsonObject { ["type"] = "Precompiled" };
        if (charsmap is not null)
            normalizer["precompiled_charsmap"] = charsmap;
        string folder = Write(root => root["normalizer"] = normalizer);
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(folder));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("Precompiled", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
