using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Text.Hf;

namespace Kefu.Tests.Text;

/// <summary>
/// BPE and Unigram tokenizers against Data/subword-oracle.json, written by Hugging Face's Rust tokenizers 0.23.2
/// (Data/make_subword_oracle.js): normalized text, ids, UTF-16 offsets, word ids, ids and word ids with the post-processor
/// (and truncated to 8 with it), and decoded text with and without special tokens, for tricky texts (emoji, combining accents, runs of spaces, "\r\n", tabs, full-width punctuation,
/// mixed Chinese/English/digits, supplementary letters and digits, the rules of a SentencePiece Precompiled charsmap)
/// over the fixtures' tokenizer.json and variants.
/// </summary>
public class SubwordOracleTests
{
    private static readonly JsonObject oracle = JsonNode.Parse(File.ReadAllText(
        Path.Combine(RepoPaths.Root, "tests", "Kefu.Tests", "Text", "Data", "subword-oracle.json")))!.AsObject();

    public static TheoryData<string> Cases => [.. oracle["cases"]!.AsObject().Select(c => c.Key)];

    // the case's tokenizer.json: a whole one, or a fixture's with top-level sections replaced
    private static HfTokenizer Load(string name)
    {
        var entry = oracle["cases"]![name]!.AsObject();
        JsonObject json;
        if (entry["tokenizer"] is JsonObject full)
            json = full.DeepClone().AsObject();
        else
        {
            string path = Path.Combine(RepoPaths.Shared, "fixtures", entry["base"]!.GetValue<string>(), "tokenizer.json");
            json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            foreach (var (key, value) in entry["set"]!.AsObject())
                json[key] = value?.DeepClone();
        }
        string folder = Directory.CreateTempSubdirectory("kefu-oracle-").FullName;
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
        return HfTokenizer.Load(folder);
    }

    private static int[] Ints(JsonNode? node) => [.. node!.AsArray().Select(v => v!.GetValue<int>())];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ids_offsets_and_decoding_match_hugging_face(string name)
    {
        var tokenizer = Load(name);
        var texts = oracle["texts"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        var results = oracle["cases"]![name]!["results"]!.AsArray();
        for (int i = 0; i < texts.Length; i++)
        {
            string text = texts[i], shown = JsonSerializer.Serialize(text);
            var expected = results[i]!;
            Assert.Equal(expected["normalized"]!.GetValue<string>(), ((SubwordTokenizer)tokenizer).Normalize(text));
            var encoding = tokenizer.Encode(text);
            Assert.True(Ints(expected["ids"]).SequenceEqual(encoding.Ids), $"{name} {shown}: ids [{string.Join(",", Ints(expected["ids"]))}] expected, got [{string.Join(",", encoding.Ids)}]");
            var offsets = expected["offsets"]!.AsArray().Select(o => (o![0]!.GetValue<int>(), o[1]!.GetValue<int>()));
            Assert.True(offsets.SequenceEqual(encoding.Offsets.Select(o => (o.Start, o.End))),
                $"{name} {shown}: offsets [{string.Join(" ", offsets)}] expected, got [{string.Join(" ", encoding.Offsets.Select(o => (o.Start, o.End)))}]");
            Assert.True(Ints(expected["word_ids"]).SequenceEqual(encoding.WordIds),
                $"{name} {shown}: word ids [{string.Join(",", Ints(expected["word_ids"]))}] expected, got [{string.Join(",", encoding.WordIds)}]");
            var special = Ints(expected["special_ids"]);
            var withSpecial = tokenizer.Encode(text, addSpecialTokens: true);
            Assert.True(special.SequenceEqual(withSpecial.Ids), $"{name} {shown}: ids with special tokens differ");
            Assert.True(Ints(expected["special_word_ids"]).SequenceEqual(withSpecial.WordIds), $"{name} {shown}: word ids with special tokens differ");
            Assert.True(Ints(expected["truncated_8_ids"]).SequenceEqual(((SubwordTokenizer)tokenizer).EncodeTruncated(text, 8).Ids),
                $"{name} {shown}: ids truncated to 8 differ");
            Assert.Equal(expected["decoded"]!.GetValue<string>(), tokenizer.Decode(special));
            Assert.Equal(expected["decoded_skip"]!.GetValue<string>(), tokenizer.Decode(special, skipSpecialTokens: true));
        }
    }

    [Theory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Byte_level_round_trips_every_text(string name)
    {
        var tokenizer = Load(name);
        foreach (var text in oracle["texts"]!.AsArray().Select(t => t!.GetValue<string>()))
            Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeToIds(text)));
    }
}
