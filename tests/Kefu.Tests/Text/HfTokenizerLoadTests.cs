using Kefu.Nlu.Pretrained;
using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Tests.Text;

/// <summary><see cref="HfTokenizer.Load"/> picks the model from the folder; the encoder NLU refuses what it cannot run.</summary>
public class HfTokenizerLoadTests
{
    private static string Fixture(string name) => Path.Combine(RepoPaths.Shared, "fixtures", name);

    [Theory]
    [InlineData("fixtures/tiny-bert")]
    [InlineData("models/all-MiniLM-L6-v2")]
    public void WordPiece_folders_load_as_the_bert_tokenizer_does(string relative)
    {
        string folder = Path.Combine(RepoPaths.Shared, relative);
        var tokenizer = HfTokenizer.Load(folder);
        var bert = BertTokenizer.Load(folder);
        Assert.Equal(TokenizerModelKind.WordPiece, tokenizer.Kind);
        foreach (string text in new[] { "Where is my card? It hasn't arrived.", "您好，请问能帮我查订单吗？", "refund 123" })
        {
            Assert.Equal(bert.TokenIds(text), tokenizer.EncodeToIds(text));
            Assert.Equal(bert.Encode(text, 64), tokenizer.EncodeToIds(text, addSpecialTokens: true));
        }
        Assert.Equal(bert.Encode("refund 123", 64), EncoderTokenizer.Load(folder).Encode("refund 123", 64));
    }

    [Fact]
    public void WordPiece_decoding_joins_continuations_and_cleans_up_spaces()
    {
        var tokenizer = HfTokenizer.Load(Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2"));
        var ids = tokenizer.EncodeToIds("Refunded, thanks! I'm here.", addSpecialTokens: true);
        // the decoder cleans each token on its own (decoders/wordpiece.rs), so "'" stays spaced; the folder's
        // tokenizer_config.json does not ask for transformers' whole-string clean_up_tokenization_spaces
        Assert.Equal("refunded, thanks! i ' m here.", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.StartsWith("[CLS] refunded", tokenizer.Decode(ids));
    }

    [Fact]
    public void The_encoder_nlu_refuses_a_bpe_tokenizer_without_special_tokens_or_pad_token_before_reading_weights()
    {
        string folder = Directory.CreateTempSubdirectory("kefu-roberta-").FullName;
        foreach (string file in new[] { "tokenizer.json", "vocab.json", "merges.txt" })
            File.Copy(Path.Combine(Fixture("tiny-gpt2"), file), Path.Combine(folder, file));
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "roberta", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 2000, "max_position_embeddings": 130, "pad_token_id": 1}""");
        // GPT-2's tokenizer.json has no post-processor: no <s> ... </s> for the encoder to read
        var e = Assert.Throws<InvalidDataException>(() => SentenceEncoder.Load(folder));
        Assert.Contains("BPE", e.Message);
        Assert.Contains("post-processor", e.Message);
        Assert.Contains(folder, e.Message);

        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")))!;
        json["post_processor"] = System.Text.Json.Nodes.JsonNode.Parse("""{"type": "RobertaProcessing", "sep": ["<|endoftext|>", 0], "cls": ["<|endoftext|>", 0], "trim_offsets": true, "add_prefix_space": false}""");
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
        e = Assert.Throws<InvalidDataException>(() => EncoderTokenizer.Load(folder));
        Assert.Contains("pad_token", e.Message);

        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"pad_token": "<|endoftext|>"}""");
        var tokenizer = EncoderTokenizer.Load(folder);
        Assert.Equal(TokenizerModelKind.Bpe, tokenizer.Kind);
        Assert.Equal(0, tokenizer.PaddingId);
    }
}
