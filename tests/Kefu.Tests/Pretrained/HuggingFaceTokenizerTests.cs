using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Text.WordPiece;

namespace Kefu.Tests.Pretrained;

/// <summary>
/// Parity with Hugging Face's Rust tokenizers: all-MiniLM-L6-v2's fixture (ids and tokens of 24 texts, the encoder's
/// padded batch) from both tokenizer.json and vocab.txt, and tokenizer-oracle.json (ids and offsets from tokenizers
/// itself for variants of that tokenizer.json, see make_tokenizer_oracle.js).
/// </summary>
public sealed class HuggingFaceTokenizerTests : IDisposable
{
    private static readonly string ModelFolder = Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2");
    private static readonly string FixturePath = Path.Combine(RepoPaths.Shared, "fixtures", "all-MiniLM-L6-v2.expected.json");
    private static readonly string OraclePath = Path.Combine(RepoPaths.Root, "tests", "Kefu.Tests", "Pretrained", "tokenizer-oracle.json");

    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-tok-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    public static TheoryData<string> Loaders => ["tokenizer.json", "vocab.txt"];

    public static TheoryData<string> OracleCases
    {
        get
        {
            var data = new TheoryData<string>();
            using var oracle = JsonDocument.Parse(File.ReadAllText(OraclePath));
            foreach (var entry in oracle.RootElement.GetProperty("cases").EnumerateObject())
                data.Add(entry.Name);
            return data;
        }
    }

    [MiniLmTheory]
    [MemberData(nameof(Loaders))]
    public void Ids_and_tokens_of_the_fixture_texts_match(string loader)
    {
        var tokenizer = Load(loader);
        var section = Fixture().GetProperty("tokenizer");
        int maxLength = section.GetProperty("max_length").GetInt32();
        var texts = Strings(section.GetProperty("texts"));
        var ids = section.GetProperty("input_ids").EnumerateArray().ToArray();
        var tokens = section.GetProperty("tokens").EnumerateArray().ToArray();
        for (int i = 0; i < texts.Length; i++)
        {
            var encoded = tokenizer.Encode(texts[i], maxLength);
            Assert.Equal(Ints(ids[i]), encoded);
            Assert.Equal(Strings(tokens[i]), encoded.Select(tokenizer.TokenOf).ToArray());
            Assert.Equal(encoded, tokenizer.EncodeWithOffsets(texts[i], maxLength).InputIds);
        }
    }

    [MiniLmTheory]
    [MemberData(nameof(Loaders))]
    public void The_encoder_batch_matches(string loader)
    {
        var tokenizer = Load(loader);
        var encoder = Fixture().GetProperty("encoder");
        var batch = tokenizer.EncodeBatchWithOffsets(Strings(encoder.GetProperty("texts")), 512);
        Assert.Equal(Flat(encoder.GetProperty("input_ids")), batch.InputIds);
        Assert.Equal(Flat(encoder.GetProperty("attention_mask")), batch.AttentionMask.Select(m => (int)m).ToArray());
        Assert.Equal(Flat(encoder.GetProperty("token_type_ids")), batch.TokenTypeIds);
        var plain = tokenizer.EncodeBatch(Strings(encoder.GetProperty("texts")), 512);
        Assert.Equal((plain.Batch, plain.Time), (batch.Batch, batch.Time));
        Assert.Equal(plain.InputIds, batch.ModelInput.InputIds);
        Assert.Equal(plain.AttentionMask, batch.ModelInput.AttentionMask);
    }

    [MiniLmTheory]
    [MemberData(nameof(OracleCases))]
    public void Ids_and_offsets_match_tokenizers_itself(string name)
    {
        using var oracle = JsonDocument.Parse(File.ReadAllText(OraclePath));
        var texts = Strings(oracle.RootElement.GetProperty("texts"));
        var entry = oracle.RootElement.GetProperty("cases").GetProperty(name);
        var tokenizer = TokenizerJsonVariant(entry.GetProperty("tokenizer"));
        var results = entry.GetProperty("results").EnumerateArray().ToArray();
        for (int i = 0; i < texts.Length; i++)
        {
            var encoding = tokenizer.EncodeWithOffsets(texts[i], 512);
            Assert.True(Ints(results[i].GetProperty("ids")).SequenceEqual(encoding.InputIds),
                $"{name}, text {i} {JsonSerializer.Serialize(texts[i])}: ids [{string.Join(", ", encoding.InputIds)}]");
            var offsets = results[i].GetProperty("offsets").EnumerateArray().Select(o => new TokenSpan(o[0].GetInt32(), o[1].GetInt32())).ToArray();
            Assert.True(offsets.SequenceEqual(encoding.Offsets),
                $"{name}, text {i} {JsonSerializer.Serialize(texts[i])}: offsets {string.Join(" ", encoding.Offsets.Select(o => $"({o.Start},{o.End})"))}");
        }
    }

    [MiniLmFact]
    public void The_vocab_path_reads_added_tokens_decoder_flags()
    {
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(ModelFolder, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """
            {"do_lower_case": true, "model_max_length": 512,
             "added_tokens_decoder": {"103": {"content": "[MASK]", "lstrip": true, "normalized": false, "rstrip": false, "single_word": false, "special": true}}}
            """);
        var encoding = BertTokenizer.Load(folder).EncodeWithOffsets("refund  [MASK]", 16);
        Assert.Equal([101, 25416, 8630, 103, 102], encoding.InputIds); // ref ##und [MASK]
        Assert.Equal(new TokenSpan(6, 14), encoding.Offsets[3]); // lstrip takes in the spaces before it
    }

    [MiniLmFact]
    public void Tokenizer_json_settings_are_read()
    {
        var tokenizer = TokenizerJsonVariant(new JsonObject
        {
            ["truncation"] = new JsonObject { ["max_length"] = 128, ["strategy"] = "LongestFirst", ["direction"] = "Right", ["stride"] = 0 },
            ["padding"] = new JsonObject { ["strategy"] = new JsonObject { ["Fixed"] = 128 }, ["direction"] = "Right", ["pad_to_multiple_of"] = null, ["pad_id"] = 0, ["pad_type_id"] = 0, ["pad_token"] = "[PAD]" },
        });
        Assert.Equal(new TokenizerTruncation(128, "LongestFirst", "Right", 0), tokenizer.Truncation);
        Assert.Equal(new TokenizerPadding(0, "[PAD]", 0, "Right", 128, null), tokenizer.Padding);
        Assert.Equal(2, tokenizer.SpecialTokenCount);
        Assert.Equal((101, 102, 100, 0), (tokenizer.ClassifierId, tokenizer.SeparatorId, tokenizer.UnknownId, tokenizer.PaddingId));
        Assert.True(tokenizer.Options.LowerCase);
    }

    [MiniLmTheory]
    [InlineData("model", """{"type": "BPE", "vocab": {}, "merges": []}""", "model type \"BPE\" is not supported; Kefu's BertTokenizer runs WordPiece models only")]
    [InlineData("model", """{"type": "Unigram", "vocab": [["<unk>", 0]], "unk_id": 0}""", "model type \"Unigram\" is not supported")]
    [InlineData("normalizer", """{"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Precompiled", "precompiled_charsmap": ""}]}""",
        "normalizer.normalizers[1] normalizer type \"Precompiled\" is not supported; supported: BertNormalizer, Sequence, NFD")]
    [InlineData("normalizer", """{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}""", "normalizer.pattern Regex patterns are not supported")]
    [InlineData("pre_tokenizer", """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}""",
        "pre_tokenizer pre-tokenizer type \"Metaspace\" is not supported; supported: BertPreTokenizer, Whitespace")]
    [InlineData("post_processor", """{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": true}""",
        "post_processor post-processor type \"RobertaProcessing\" is not supported; supported: TemplateProcessing, BertProcessing")]
    public void Unsupported_components_are_named_with_what_is_supported(string section, string json, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => TokenizerJsonVariant(new JsonObject { [section] = JsonNode.Parse(json) }));
        Assert.Contains("tokenizer.json: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [MiniLmFact]
    public void Malformed_tokenizer_json_reports_the_line()
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\n  \"model\": {\n    oops\n}");
        var error = Assert.Throws<InvalidDataException>(() => BertTokenizer.Load(folder));
        Assert.Contains("tokenizer.json:3:", error.Message);
    }

    // all-MiniLM-L6-v2's tokenizer.json with the given sections replaced (model and vocabulary kept)
    private BertTokenizer TokenizerJsonVariant(JsonElement sections) => TokenizerJsonVariant(JsonNode.Parse(sections.GetRawText())!.AsObject());

    private BertTokenizer TokenizerJsonVariant(JsonObject sections)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ModelFolder, "tokenizer.json")))!.AsObject();
        foreach (var (key, value) in sections)
            json[key] = value?.DeepClone();
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return BertTokenizer.FromTokenizerJson(path);
    }

    private static BertTokenizer Load(string loader) =>
        loader == "tokenizer.json" ? BertTokenizer.Load(ModelFolder) : BertTokenizer.FromVocabulary(ModelFolder);

    private static JsonElement Fixture() => JsonDocument.Parse(File.ReadAllText(FixturePath)).RootElement;

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(t => t.GetString()!)];

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt32())];

    private static int[] Flat(JsonElement rows) => [.. rows.EnumerateArray().SelectMany(Ints)];
}

/// <summary>A fact that skips with a message when ../shared/models/all-MiniLM-L6-v2 is absent.</summary>
public sealed class MiniLmFactAttribute : FactAttribute
{
    public MiniLmFactAttribute()
    {
        if (!MiniLm.Present)
            Skip = MiniLm.Missing;
    }
}

/// <summary>A theory that skips with a message when ../shared/models/all-MiniLM-L6-v2 is absent.</summary>
public sealed class MiniLmTheoryAttribute : TheoryAttribute
{
    public MiniLmTheoryAttribute()
    {
        if (!MiniLm.Present)
            Skip = MiniLm.Missing;
    }
}

internal static class MiniLm
{
    public const string Missing = "../shared/models/all-MiniLM-L6-v2 or its fixture is absent (expected beside the folder holding Kefu.slnx).";

    public static bool Present =>
        File.Exists(Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2", "tokenizer.json"))
        && File.Exists(Path.Combine(RepoPaths.Shared, "fixtures", "all-MiniLM-L6-v2.expected.json"));
}
