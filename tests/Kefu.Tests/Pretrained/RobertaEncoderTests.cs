using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Nlu;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Autograd;
using Kefu.Text.Hf;
using Kefu.Text.WordPiece;

namespace Kefu.Tests.Pretrained;

/// <summary>
/// A RoBERTa folder (byte-level BPE, &lt;s&gt; ... &lt;/s&gt;, &lt;pad&gt;=1) end to end in the transformer NLU, on
/// <see cref="TinyRobertaFixture"/>: encoding, last hidden states against a from-scratch PyTorch RoBERTa on a padded
/// batch, fine-tuning intents and entities, saving in RobertaForSequenceClassification's layout and reloading.
/// </summary>
public sealed class RobertaEncoderTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-roberta-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    [TinyRobertaFact]
    public void Texts_get_the_roberta_template_words_without_spaces_and_pad_with_pad()
    {
        var tokenizer = EncoderTokenizer.Load(TinyRobertaFixture.Folder);
        Assert.Equal(TokenizerModelKind.Bpe, tokenizer.Kind);
        Assert.Equal(TinyRobertaFixture.Pad, tokenizer.PaddingId);
        Assert.Equal(2, tokenizer.SpecialTokenCount);

        // GPT-2's regex splits "refund", " ", " $", "100", ",", " please"; the lone space is no word, and trimmed offsets
        // leave the leading spaces out
        const string text = "refund  $100, please";
        var words = TokenizedText.Of(tokenizer, text, 64);
        Assert.Equal(TinyRobertaFixture.Bos, words.Ids[0]);
        Assert.Equal(TinyRobertaFixture.Eos, words.Ids[^1]);
        Assert.Equal([(0, 6), (8, 9), (9, 12), (12, 13), (14, 20)], words.WordSpans);
        Assert.Equal(["refund", "$", "100", ",", "please"], words.WordSpans.Select(s => text[s.Start..s.End]));
        Assert.Equal(1, words.WordTokens[0]);
        Assert.Equal([(0, 4), (4, 7), (7, 10)], TokenizedText.Of(tokenizer, "我的订单123在哪里", 64).WordSpans);

        var encoding = tokenizer.EncodeWithOffsets(text, 64);
        Assert.Equal(-1, encoding.WordIds[0]);
        Assert.Equal(-1, encoding.WordIds[^1]);
        Assert.True(encoding.SpecialTokensMask[0] && encoding.SpecialTokensMask[^1]);
        Assert.Equal(new TokenSpan(0, 0), encoding.Offsets[^1]);

        // truncation cuts the text's tokens and keeps </s>
        string longText = string.Join(" ", Enumerable.Repeat("where is my order", 10));
        var cut = tokenizer.EncodeWithOffsets(longText, 8);
        Assert.Equal(8, cut.Count);
        Assert.Equal(TinyRobertaFixture.Bos, cut.InputIds[0]);
        Assert.Equal(TinyRobertaFixture.Eos, cut.InputIds[^1]);
        Assert.Equal(tokenizer.EncodeWithOffsets(longText, 64).InputIds[..7], cut.InputIds[..7]);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode(text, 65));   // model_max_length 64

        var batch = tokenizer.EncodeBatch(["hi", text], 64);
        int shortLength = tokenizer.Encode("hi", 64).Length;
        Assert.All(batch.InputIds[shortLength..batch.Time], id => Assert.Equal(TinyRobertaFixture.Pad, id));
        Assert.All(batch.AttentionMask[shortLength..batch.Time], m => Assert.Equal(0f, m));
    }

    [TorchRobertaFact]
    public void Last_hidden_states_of_a_padded_batch_match_pytorch()
    {
        var tokenizer = EncoderTokenizer.Load(TinyRobertaFixture.Folder);
        string[] texts = ["hi", "Where is my card? It hasn't arrived.", "  我的订单123在哪里", "refund $1,299.00 <mask> now"];
        var batch = tokenizer.EncodeBatch(texts, 64);
        var model = BertClassifier.Load(TinyRobertaFixture.Folder, labels: ["(encoder only)"]);
        var graph = new Graph(recordTape: false);
        var hidden = model.Encode(graph, batch, out _).ToArray();   // [B*T, C]

        int[][] Rows<T>(T[] values, Func<T, int> convert) =>
            [.. Enumerable.Range(0, batch.Batch).Select(b => values.Skip(b * batch.Time).Take(batch.Time).Select(convert).ToArray())];
        var (positions, expected) = TorchRoberta.Run(TinyRobertaFixture.Folder, Rows(batch.InputIds, id => id), Rows(batch.AttentionMask, m => (int)m));
        // the reference numbers positions from <pad>'s id: 2, 3, ... on tokens, 1 on padding
        Assert.Equal(TinyRobertaFixture.Pad + 1, positions[0][0]);
        Assert.Equal(TinyRobertaFixture.Pad, positions[0][^1]);
        double worst = 0;
        int c = TinyRobertaFixture.Hidden;
        for (int b = 0; b < batch.Batch; b++)
            for (int t = 0; t < batch.Time; t++)
                for (int k = 0; k < c; k++)
                    worst = Math.Max(worst, Math.Abs(hidden[(b * batch.Time + t) * c + k] - expected[b][t][k]));
        output.WriteLine($"max |Kefu - PyTorch| over {batch.Batch}×{batch.Time}×{c} states, padding included: {worst:E2}");
        Assert.True(worst <= 1e-4, $"max difference {worst}");

        // SentenceEncoder (kefu model embed, LanguageModelFeaturizer): the mean of the reference's states over real tokens
        var embeddings = SentenceEncoder.Load(TinyRobertaFixture.Folder).Embed(texts);
        for (int b = 0; b < batch.Batch; b++)
        {
            int length = (int)batch.AttentionMask.Skip(b * batch.Time).Take(batch.Time).Sum();
            for (int k = 0; k < c; k++)
                Assert.Equal(expected[b].Take(length).Average(state => state[k]), embeddings[b][k], 1e-4);
        }
    }

    // a random encoder needs many small steps; the fixture is tiny, so this stays a few seconds
    private static readonly FineTuneOptions Fast = new(Epochs: 20, BatchSize: 4, LearningRate: 2e-3f, MaxLength: 32, WarmupRatio: 0f, Dropout: 0f);

    [TinyRobertaFact]
    public void Fine_tuning_learns_intents_and_word_entities_and_reloads_from_roberta_layout()
    {
        var data = FineTuningTests.Data();
        var result = FineTuner.Train(TinyRobertaFixture.Folder, data, null, Fast);
        output.WriteLine(string.Join("\n", result.History));
        var (accuracy, entityF1) = FineTuner.Evaluate(result.Model, data.Examples);
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
        Assert.True(entityF1 >= 0.9, $"entity F1 {entityF1}");
        // the entity is the word " 7890" without its space: (18, 22)
        Assert.Equal([(18, 22, 0)], result.Model.Predict("where is my order 7890").Entities);

        result.Model.Save(folder);
        using (var checkpoint = Checkpoint.Open(folder))
        {
            Assert.True(checkpoint.TryGetTensor("roberta.encoder.layer.1.attention.self.query.weight", out var query));
            Assert.Equal([32L, 32L], query.Shape);
            Assert.True(checkpoint.TryGetTensor("classifier.dense.weight", out _));
            Assert.True(checkpoint.TryGetTensor("classifier.out_proj.weight", out var head));
            Assert.Equal([3L, 32L], head.Shape);
            Assert.False(checkpoint.TryGetTensor("roberta.pooler.dense.weight", out _));
        }
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json"))))
            Assert.Equal("RobertaForSequenceClassification", config.RootElement.GetProperty("architectures")[0].GetString());
        var reloaded = TransformerNlu.Load(folder);
        Assert.Equal(TinyRobertaFixture.Pad, reloaded.Tokenizer.PaddingId);
        foreach (var text in new[] { "where is my order 123", "我想要退款 88", "help me please", "  i want a refund for order 456" })
        {
            var a = result.Model.Predict(text);
            var b = reloaded.Predict(text);
            Assert.Equal(a.InputIds, b.InputIds);
            Assert.Equal(a.Probabilities, b.Probabilities);
            Assert.Equal(a.Entities, b.Entities);
        }
    }

    [TinyRobertaFact]
    public void An_xlm_r_folder_with_a_unigram_tokenizer_learns_intents_and_entities_at_metaspace_words()
    {
        var tokenizer = EncoderTokenizer.Load(TinyRobertaFixture.XlmrFolder);
        Assert.Equal(TokenizerModelKind.Unigram, tokenizer.Kind);
        Assert.Equal(TinyRobertaFixture.Pad, tokenizer.PaddingId);
        // Metaspace's "▁" covers the space before each word; word spans leave it out
        const string text = "where is  my order 7890";
        var words = TokenizedText.Of(tokenizer, text, 64);
        Assert.Equal(TinyRobertaFixture.Bos, words.Ids[0]);
        Assert.Equal(TinyRobertaFixture.Eos, words.Ids[^1]);
        Assert.Equal([(0, 5), (6, 8), (10, 12), (13, 18), (19, 23)], words.WordSpans);

        // a Metaspace word is everything between spaces, so an entity inside "我的订单123在哪里" cannot be tagged:
        // the Chinese examples are left out here
        var data = NluTrainingData.FromExamples([.. FineTuningTests.Data().Examples.Where(e => e.Text.All(char.IsAscii))]);
        var result = FineTuner.Train(TinyRobertaFixture.XlmrFolder, data, null, Fast);
        output.WriteLine(string.Join("\n", result.History));
        var (accuracy, entityF1) = FineTuner.Evaluate(result.Model, data.Examples);
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
        Assert.True(entityF1 >= 0.9, $"entity F1 {entityF1}");
        Assert.Equal([(18, 22, 0)], result.Model.Predict("where is my order 7890").Entities);
        result.Model.Save(folder);
        var reloaded = TransformerNlu.Load(folder);
        Assert.Equal(result.Model.Predict("i want a refund for order 305 please"), reloaded.Predict("i want a refund for order 305 please"), PredictionComparer);
    }

    [TinyRobertaFact]
    public void A_roberta_teacher_distils_into_a_roberta_student_of_its_layers()
    {
        var data = FineTuningTests.Data();
        var teacher = FineTuner.Train(TinyRobertaFixture.Folder, data, null, Fast with { Epochs = 2 }).Model;
        var student = Distiller.Student(teacher, new StudentShape(1));
        Assert.Equal(EncoderArchitecture.Roberta, student.Model.Config.Architecture);
        var result = Distiller.Distill(teacher, student, data, null, Fast with { Epochs = 2 });
        Assert.Equal(2, result.History.Count);
        result.Model.Save(folder);
        var reloaded = TransformerNlu.Load(folder);
        Assert.Equal(1, reloaded.Model.Config.Layers);
        Assert.Equal(result.Model.Predict("where is my order 123"), reloaded.Predict("where is my order 123"), PredictionComparer);
    }

    private static readonly EqualityComparer<TransformerNlu.Prediction> PredictionComparer = EqualityComparer<TransformerNlu.Prediction>.Create(
        (a, b) => a!.InputIds.SequenceEqual(b!.InputIds) && a.Probabilities.SequenceEqual(b.Probabilities) && a.Entities.SequenceEqual(b.Entities));

    [TinyRobertaFact]
    public async Task Kefu_model_finetune_and_predict_run_a_roberta_folder()
    {
        Directory.CreateDirectory(folder);
        string train = Path.Combine(folder, "train.jsonl"), model = Path.Combine(folder, "model"), texts = Path.Combine(folder, "texts.txt");
        File.WriteAllLines(train, FineTuningTests.Data().Examples.Select(e => JsonSerializer.Serialize(new
        {
            text = e.Text,
            intent = e.Intent,
            entities = e.Entities.Select(x => new { start = x.Start, end = x.End, entity = x.Entity, value = x.Value }),
        })));
        var (code, stdout, stderr) = await Run("finetune", "--model", TinyRobertaFixture.Folder, "--train", train, "--out", model, "--epochs", "1", "--json");
        Assert.True(code == 0, stderr);
        using (var result = JsonDocument.Parse(stdout))
            Assert.Equal(1, result.RootElement.GetProperty("entity_types").GetInt32());
        File.WriteAllLines(texts, ["where is my order 123"]);
        (code, stdout, stderr) = await Run("predict", "--model", model, "--input", texts, "--json");
        Assert.True(code == 0, stderr);
        using var line = JsonDocument.Parse(stdout.Trim());
        var ids = line.RootElement.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(TinyRobertaFixture.Bos, ids[0]);
        Assert.Equal(TinyRobertaFixture.Eos, ids[^1]);
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand { ModelCommands.Create() };
        int code = await root.Parse(["model", .. args]).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stdout.ToString(), stderr.ToString());
    }
}
