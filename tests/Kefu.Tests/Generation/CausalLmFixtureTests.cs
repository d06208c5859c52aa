using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Xunit.Abstractions;

namespace Kefu.Tests.Generation;

/// <summary>
/// ../shared/fixtures/tiny-gpt2 and tiny-qwen2: random GPT2LMHeadModel and Qwen2ForCausalLM checkpoints and what
/// transformers 5.17 computed with them (expected.json): logits of a right-padded batch, greedy continuations by full
/// recomputation, and losses and logits after three AdamW steps.
/// </summary>
public class CausalLmFixtureTests(ITestOutputHelper output)
{
    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Logits_of_the_padded_batch_match_transformers(string name)
    {
        var f = CausalLmFixture.Load(name);
        var model = CausalLanguageModel.Load(f.Folder);
        var g = new Graph(recordTape: false);
        var logits = model.Logits(g, f.PaddedIds, f.Mask, f.Batch, f.Time);      // [B*T, V]
        float worst = 0f;
        for (int t = 0; t < f.LogitsFirstText.Length; t++)
            worst = MathF.Max(worst, CausalLmFixture.Near(f.LogitsFirstText[t], logits.Row(t), 1e-4f, $"text 0 position {t}"));
        for (int b = 0; b < f.Batch; b++)
            worst = MathF.Max(worst, CausalLmFixture.Near(f.LogitsLastPosition[b], logits.Row(b * f.Time + f.InputIds[b].Length - 1), 1e-4f, $"text {b} last token"));
        output.WriteLine($"{name}: largest |logit − transformers| {worst:E2}");
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Greedy_decoding_with_the_cache_equals_transformers_and_full_recomputation(string name)
    {
        var f = CausalLmFixture.Load(name);
        var model = CausalLanguageModel.Load(f.Folder);
        var generator = new CausalLmGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 20, StopTokenIds = [] };
        foreach (var (prompt, expected) in f.Greedy)
        {
            Assert.Equal(expected, FullRecomputeGreedy(model, prompt, 20));
            var result = generator.Generate([prompt], options)[0];
            Assert.Equal(expected, result.GeneratedIds);
            Assert.Equal(FinishReason.Length, result.FinishReason);
        }
        // the three prompts in one batch: padded prefill, then per-slot decoding
        var batched = generator.Generate([.. f.Greedy.Select(x => x.Prompt)], options);
        for (int i = 0; i < f.Greedy.Length; i++)
            Assert.Equal(f.Greedy[i].Generated, batched[i].GeneratedIds);
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Three_AdamW_steps_match_transformers_losses_and_logits(string name)
    {
        var f = CausalLmFixture.Load(name);
        var model = CausalLanguageModel.Load(f.Folder, trainable: true);
        var parameters = model.Parameters;
        parameters.Decay.LearningRate = parameters.NoDecay.LearningRate = 1e-3f;
        parameters.Decay.WeightDecay = parameters.NoDecay.WeightDecay = 0f;
        var optimizer = new AdamW(parameters, 0.9f, 0.999f, 1e-8f);
        var targets = CausalLanguageModel.ShiftedTargets(f.PaddedIds, f.Mask.Span, f.Batch, f.Time);
        var g = new Graph(recordTape: true);
        for (int step = 0; step < f.Losses.Length; step++)
        {
            g.Reset();
            var loss = g.CrossEntropy(model.Logits(g, f.PaddedIds, f.Mask, f.Batch, f.Time), targets);
            Assert.True(MathF.Abs(loss.Span[0] - f.Losses[step]) <= 1e-3f, $"step {step}: loss {loss.Span[0]}, transformers {f.Losses[step]}");
            output.WriteLine($"{name} step {step}: loss {loss.Span[0]:F6}, transformers {f.Losses[step]:F6}");
            g.Backward(loss);
            optimizer.Step();
            parameters.ZeroGradients();
        }
        var inference = new Graph(recordTape: false);
        var logits = model.Logits(inference, f.PaddedIds, f.Mask, f.Batch, f.Time);
        float worst = 0f;
        for (int b = 0; b < f.Batch; b++)
            worst = MathF.Max(worst, CausalLmFixture.Near(f.LogitsAfter[b], logits.Row(b * f.Time + f.InputIds[b].Length - 1), 1e-3f, $"text {b} after training"));
        output.WriteLine($"{name}: largest |logit − transformers| after 3 steps {worst:E2}");
    }

    /// <summary>The definition the cache must reproduce: the whole sequence through the model at every step, argmax of the last row.</summary>
    internal static int[] FullRecomputeGreedy(CausalLanguageModel model, int[] prompt, int steps)
    {
        var ids = prompt.ToList();
        var g = new Graph(recordTape: false);
        for (int s = 0; s < steps; s++)
        {
            g.Reset();
            var logits = model.Logits(g, ids.ToArray(), null, 1, ids.Count);
            ids.Add(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Row(ids.Count - 1)));
        }
        return [.. ids.Skip(prompt.Length)];
    }
}

/// <summary>One fixture's expected.json, with the batch right-padded by pad_id as transformers ran it.</summary>
public sealed record CausalLmFixture(
    string Folder,
    int[][] InputIds,
    int[] PaddedIds,
    Tensor Mask,
    int Batch,
    int Time,
    float[][] LogitsFirstText,
    float[][] LogitsLastPosition,
    (int[] Prompt, int[] Generated)[] Greedy,
    float[] Losses,
    float[][] LogitsAfter)
{
    public static string PathOf(string name) => Path.Combine(RepoPaths.Shared, "fixtures", name);

    public static bool Present(string name) => File.Exists(Path.Combine(PathOf(name), "expected.json"));

    public static CausalLmFixture Load(string name)
    {
        string folder = PathOf(name);
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")));
        var root = document.RootElement;
        int[][] ids = [.. root.GetProperty("input_ids").EnumerateArray().Select(Ints)];
        float[][] mask = Matrix(root.GetProperty("attention_mask"));
        int pad = root.GetProperty("pad_id").GetInt32(), batch = ids.Length, time = mask[0].Length;
        var padded = new int[batch * time];
        Array.Fill(padded, pad);
        for (int b = 0; b < batch; b++)
            ids[b].CopyTo(padded, b * time);
        var training = root.GetProperty("training");
        return new CausalLmFixture(folder, ids, padded, Tensor.FromArray([.. mask.SelectMany(r => r)], new Shape(batch, time)), batch, time,
            Matrix(root.GetProperty("logits_first_text")), Matrix(root.GetProperty("logits_last_position")),
            [.. root.GetProperty("greedy").EnumerateArray().Select(e => (Ints(e.GetProperty("prompt_ids")), Ints(e.GetProperty("generated_ids"))))],
            [.. training.GetProperty("losses").EnumerateArray().Select(v => v.GetSingle())],
            Matrix(training.GetProperty("logits_after_last_position")));
    }

    /// <summary>Asserts every |expected − actual| ≤ tolerance; returns the largest.</summary>
    public static float Near(float[] expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            Assert.True(diff <= tolerance, $"{what}, logit {i}: expected {expected[i]}, got {actual[i]}");
            worst = MathF.Max(worst, diff);
        }
        return worst;
    }

    private static int[] Ints(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt32())];

    private static float[][] Matrix(JsonElement rows) => [.. rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray())];
}

/// <summary>A theory that skips with a message when ../shared/fixtures/tiny-gpt2 or tiny-qwen2 is absent.</summary>
public sealed class CausalLmFixtureTheoryAttribute : TheoryAttribute
{
    public CausalLmFixtureTheoryAttribute()
    {
        if (!CausalLmFixture.Present("tiny-gpt2") || !CausalLmFixture.Present("tiny-qwen2"))
            Skip = "../shared/fixtures/tiny-gpt2 or tiny-qwen2 is absent (expected beside the folder holding Kefu.slnx).";
    }
}
