using System.Text.Json;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;
using Xunit.Abstractions;

namespace Kefu.Tests.Pretrained;

/// <summary>
/// The real pretrained all-MiniLM-L6-v2 against ../shared/fixtures/all-MiniLM-L6-v2.expected.json: ONNX Runtime's
/// encoder outputs (1e-4) and PyTorch's BertForSequenceClassification AdamW steps (1e-3).
/// </summary>
public sealed class MiniLmEncoderTests(ITestOutputHelper output)
{
    public static string Folder => Path.Combine(RepoPaths.Shared, "models", "all-MiniLM-L6-v2");
    private static string FixturePath => Path.Combine(RepoPaths.Shared, "fixtures", "all-MiniLM-L6-v2.expected.json");

    [MiniLmEncoderFact]
    public void Encoder_outputs_match_onnx_runtime()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(FixturePath));
        var encoder = fixture.RootElement.GetProperty("encoder");
        var batch = Batch(encoder);
        var model = BertClassifier.Load(Folder, ["a", "b"]);
        var g = new Graph(recordTape: false);
        var hidden = model.Encode(g, batch, out var mask);                  // [B*T, C]
        var pooled = g.MeanPool(hidden, mask, batch.Batch, batch.Time);     // [B, C]
        var pooler = model.Pooler.Forward(g, hidden, batch.Batch, batch.Time);
        int c = model.Config.Hidden;
        float hiddenError = 0, pooledError = 0, normalizedError = 0, poolerError = 0;
        var states = encoder.GetProperty("last_hidden_state");
        for (int b = 0; b < batch.Batch; b++)
        {
            for (int t = 0; t < batch.Time; t++)
            {
                if (batch.AttentionMask[b * batch.Time + t] == 0) continue;   // ORT's padding rows are not comparable
                hiddenError = Math.Max(hiddenError, MaxError(states[b][t], hidden.Span.Slice((b * batch.Time + t) * c, c)));
            }
            var row = pooled.Span.Slice(b * c, c);
            pooledError = Math.Max(pooledError, MaxError(encoder.GetProperty("mean_pooled")[b], row));
            var normalized = row.ToArray();
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(normalized);
            System.Numerics.Tensors.TensorPrimitives.Divide(normalized, norm, normalized);
            normalizedError = Math.Max(normalizedError, MaxError(encoder.GetProperty("mean_pooled_normalized")[b], normalized));
            poolerError = Math.Max(poolerError, MaxError(encoder.GetProperty("pooler_output")[b], pooler.Span.Slice(b * c, c)));
        }
        output.WriteLine($"max abs error: hidden {hiddenError:E2}, mean pooled {pooledError:E2}, normalized {normalizedError:E2}, pooler {poolerError:E2}");
        Assert.True(hiddenError < 1e-4f, $"last_hidden_state {hiddenError}");
        Assert.True(pooledError < 1e-4f, $"mean_pooled {pooledError}");
        Assert.True(normalizedError < 1e-4f, $"mean_pooled_normalized {normalizedError}");
        Assert.True(poolerError < 1e-4f, $"pooler_output {poolerError}");
    }

    [MiniLmEncoderFact]
    public void Three_AdamW_steps_match_pytorch()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(FixturePath));
        var root = fixture.RootElement;
        var batch = Batch(root.GetProperty("encoder"));
        var expected = root.GetProperty("sequence_classification");
        var model = BertClassifier.Load(Folder, ["0", "1", "2"]);
        var init = expected.GetProperty("head_init");
        Floats(init.GetProperty("classifier.weight")).CopyTo(model.Head.Output.Weight.Span);
        Floats(init.GetProperty("classifier.bias")).CopyTo(model.Head.Output.Bias!.Span);
        var labels = expected.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        foreach (var group in new[] { model.Parameters.Decay, model.Parameters.NoDecay })
        {
            group.LearningRate = 1e-4f;
            group.WeightDecay = 0f;
        }
        var optimizer = new AdamW(model.Parameters);
        var graph = new Graph(recordTape: true) { Training = false };
        float logitsBefore = MaxError(expected.GetProperty("logits_before"), model.Logits(batch));
        float lossError = 0;
        for (int step = 0; step < 3; step++)
        {
            graph.Reset();
            var loss = graph.CrossEntropy(model.Forward(graph, batch), labels);
            graph.Backward(loss);
            optimizer.Step();
            model.Parameters.ZeroGradients();
            lossError = Math.Max(lossError, Math.Abs(loss.Span[0] - expected.GetProperty("losses")[step].GetSingle()));
        }
        float logitsAfter = MaxError(expected.GetProperty("logits_after"), model.Logits(batch));
        output.WriteLine($"max abs error: logits before {logitsBefore:E2}, losses {lossError:E2}, logits after {logitsAfter:E2}");
        Assert.True(logitsBefore < 1e-4f, $"logits before {logitsBefore}");
        Assert.True(lossError < 1e-3f, $"losses {lossError}");
        Assert.True(logitsAfter < 1e-3f, $"logits after {logitsAfter}");
    }

    private static BertBatch Batch(JsonElement encoder)
    {
        var ids = encoder.GetProperty("input_ids").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var mask = encoder.GetProperty("attention_mask").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        return new BertBatch([.. ids.SelectMany(r => r)], [.. mask.SelectMany(r => r)], ids.Length, ids[0].Length);
    }

    private static float[] Floats(JsonElement values) => values.ValueKind == JsonValueKind.Array && values[0].ValueKind == JsonValueKind.Array
        ? [.. values.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle()))]
        : [.. values.EnumerateArray().Select(v => v.GetSingle())];

    private static float MaxError(JsonElement expected, ReadOnlySpan<float> actual)
    {
        var values = Floats(expected);
        Assert.Equal(values.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < values.Length; i++)
            max = Math.Max(max, Math.Abs(values[i] - actual[i]));
        return max;
    }
}

/// <summary>A fact that skips with a message when ../shared/models/all-MiniLM-L6-v2 or its fixture is absent.</summary>
public sealed class MiniLmEncoderFactAttribute : FactAttribute
{
    public MiniLmEncoderFactAttribute()
    {
        if (!File.Exists(Path.Combine(MiniLmEncoderTests.Folder, "model.safetensors")))
            Skip = "../shared/models/all-MiniLM-L6-v2 is absent (expected beside the folder holding Kefu.slnx).";
    }
}
