using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Text.Chat;
using Kefu.Text.Hf;

namespace Kefu.Tests.Text;

/// <summary>
/// Byte-level BPE against the tiny-gpt2 and tiny-qwen2 fixtures (ids from Hugging Face transformers); edge cases and
/// variants are in <see cref="SubwordOracleTests"/>.
/// </summary>
public class BpeTokenizerTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Shared, "fixtures", name);

    private static JsonElement Expected(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture(name), "expected.json"))).RootElement;

    private static int[] Ids(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    public static TheoryData<string> Models => ["tiny-gpt2", "tiny-qwen2"];

    // (text, ids) of the fixture: its texts and its greedy prompts
    private static List<(string Text, int[] Ids)> FixtureCases(string name)
    {
        var expected = Expected(name);
        var cases = expected.GetProperty("texts").EnumerateArray().Zip(expected.GetProperty("input_ids").EnumerateArray())
            .Select(p => (p.First.GetString()!, Ids(p.Second))).ToList();
        cases.AddRange(expected.GetProperty("greedy").EnumerateArray().Select(g => (g.GetProperty("prompt").GetString()!, Ids(g.GetProperty("prompt_ids")))));
        return cases;
    }

    // a copy of a fixture folder with some files left out or tokenizer.json changed
    private static string CopyFixture(string name, Func<string, bool> keep, Action<JsonObject>? change = null)
    {
        string folder = Directory.CreateTempSubdirectory("kefu-bpe-").FullName;
        foreach (string file in Directory.GetFiles(Fixture(name)).Where(f => keep(Path.GetFileName(f)) && !f.EndsWith("safetensors", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        if (change is not null)
        {
            string json = Path.Combine(folder, "tokenizer.json");
            var root = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
            change(root);
            File.WriteAllText(json, root.ToJsonString());
        }
        return folder;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Fixture_ids_are_exact_from_tokenizer_json(string name)
    {
        var tokenizer = HfTokenizer.Load(Fixture(name));
        Assert.Equal(TokenizerModelKind.Bpe, tokenizer.Kind);
        foreach (var (text, ids) in FixtureCases(name))
        {
            Assert.Equal(ids, tokenizer.EncodeToIds(text));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Fixture_ids_are_exact_from_vocab_and_merges(string name)
    {
        string folder = CopyFixture(name, file => file != "tokenizer.json");
        var tokenizer = HfTokenizer.Load(folder);
        foreach (var (text, ids) in FixtureCases(name))
            Assert.Equal(ids, tokenizer.EncodeToIds(text));
    }

    // expected pieces from Python's regex module, which matches on code points as tokenizers' Oniguruma does
    [Theory]
    [InlineData(Kefu.Text.Bpe.ByteLevel.Gpt2Pattern, "𠀀𠀁 𝟏𝟐 x𝐀y", new[] { "𠀀𠀁", " 𝟏𝟐", " x𝐀y" })]
    [InlineData(Kefu.Text.Bpe.ByteLevel.Gpt2Pattern, "a𝟏b 😀😀 ok", new[] { "a", "𝟏", "b", " 😀😀", " ok" })]
    [InlineData(Kefu.Text.Bpe.ByteLevel.Gpt2Pattern, "it's 𝐀'S", new[] { "it", "'s", " 𝐀", "'", "S" })]
    [InlineData(Kefu.Text.Bpe.ByteLevel.Qwen2Pattern, "𠀀𠀁 𝟏𝟐 x𝐀y", new[] { "𠀀𠀁", " ", "𝟏", "𝟐", " x𝐀y" })]
    [InlineData(Kefu.Text.Bpe.ByteLevel.Qwen2Pattern, "it's 𝐀'S", new[] { "it", "'s", " 𝐀", "'S" })]
    public void Regex_split_sees_supplementary_letters_and_digits_as_code_points(string pattern, string text, string[] pieces)
    {
        var split = new Kefu.Text.Bpe.RegexSplit(Kefu.Text.Bpe.RegexSplit.Compile(pattern), Kefu.Text.WordPiece.SplitBehavior.Isolated, invert: false);
        var normalized = new Kefu.Text.WordPiece.NormalizedText();
        normalized.SetOriginal(text, 0, text.Length);
        var output = new List<(int Start, int End)>();
        split.Split(normalized, (0, text.Length), output);
        Assert.Equal(pieces, output.Select(p => text[p.Start..p.End]));
    }

    [Fact]
    public void Offsets_cover_whole_characters_in_utf16()
    {
        var tokenizer = HfTokenizer.Load(Fixture("tiny-gpt2"));
        const string text = "😀 订单123 ok";
        var encoding = tokenizer.Encode(text);
        // every byte token of the emoji covers its two UTF-16 units
        var emoji = encoding.Offsets.Where(o => o.Start == 0).ToArray();
        Assert.True(emoji.Length >= 2);
        Assert.All(emoji, o => Assert.Equal(2, o.End));
        for (int t = 0; t < encoding.Count; t++)
        {
            var (start, end) = (encoding.Offsets[t].Start, encoding.Offsets[t].End);
            Assert.InRange(start, 0, text.Length);
            Assert.InRange(end, start + 1, text.Length);
            Assert.True(t == 0 || start >= encoding.Offsets[t - 1].Start);
        }
        // a whole-token piece maps back to its own text
        int ok = Array.FindIndex(encoding.Ids, id => tokenizer.TokenOf(id) == "Ġok");
        if (ok >= 0)
            Assert.Equal(" ok", text[encoding.Offsets[ok].Start..encoding.Offsets[ok].End]);
    }

    [Fact]
    public void Special_tokens_are_matched_whole_and_skipped_on_request()
    {
        var tokenizer = HfTokenizer.Load(Fixture("tiny-qwen2"));
        int start = tokenizer.IdOf("<|im_start|>")!.Value, end = tokenizer.IdOf("<|im_end|>")!.Value;
        var ids = tokenizer.EncodeToIds("<|im_start|>user\n你好<|im_end|>");
        Assert.Equal(start, ids[0]);
        Assert.Equal(end, ids[^1]);
        Assert.Equal("<|im_start|>user\n你好<|im_end|>", tokenizer.Decode(ids));
        Assert.Equal("user\n你好", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Qwen_chat_template_renders_and_encodes_as_transformers()
    {
        var tokenizer = HfTokenizer.Load(Fixture("tiny-qwen2"));
        var chat = Expected("tiny-qwen2").GetProperty("chat");
        var messages = chat.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString())).ToList();
        bool generation = chat.GetProperty("add_generation_prompt").GetBoolean();
        Assert.Equal(chat.GetProperty("rendered").GetString(), tokenizer.ApplyChatTemplate(messages, generation));
        Assert.Equal(Ids(chat.GetProperty("input_ids")), tokenizer.EncodeChat(messages, generation));
    }

    [Fact]
    public void Bad_tokenizer_json_names_the_file_and_the_part()
    {
        string broken = CopyFixture("tiny-gpt2", _ => true);
        File.WriteAllText(Path.Combine(broken, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(broken));
        Assert.Contains("tokenizer.json:1:", e.Message);

        string wordLevel = CopyFixture("tiny-gpt2", _ => true, root => root["model"]!["type"] = "WordLevel");
        e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(wordLevel));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("WordLevel", e.Message);

        string badMerge = CopyFixture("tiny-gpt2", _ => true, root => root["model"]!["merges"]!.AsArray().Add(new JsonArray("Ġ", "no-such-token")));
        e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(badMerge));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("no-such-token", e.Message);

        string badRegex = CopyFixture("tiny-gpt2", _ => true, root => root["pre_tokenizer"] = JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"(unclosed"},"behavior":"Isolated"}"""));
        e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(badRegex));
        Assert.Contains("pre_tokenizer.pattern", e.Message);

        string dropout = CopyFixture("tiny-gpt2", _ => true, root => root["model"]!["dropout"] = 0.1);
        e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(dropout));
        Assert.Contains("model.dropout", e.Message);

        string empty = Directory.CreateTempSubdirectory("kefu-bpe-").FullName;
        Assert.Throws<FileNotFoundException>(() => HfTokenizer.Load(empty));
    }

    [Fact]
    public void String_merges_load_like_array_merges()
    {
        string folder = CopyFixture("tiny-gpt2", _ => true, root =>
        {
            var merges = root["model"]!["merges"]!.AsArray();
            var strings = new JsonArray([.. merges.Select(m => (JsonNode)JsonValue.Create($"{m![0]} {m[1]}")!)]);
            root["model"]!["merges"] = strings;
        });
        var tokenizer = HfTokenizer.Load(folder);
        foreach (var (text, ids) in FixtureCases("tiny-gpt2"))
            Assert.Equal(ids, tokenizer.EncodeToIds(text));
    }
}
