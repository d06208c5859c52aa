using Kefu.Generation.CausalLm;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.IO;
using Kefu.Numerics.Ops;
using Xunit.Abstractions;

namespace Kefu.Tests.Generation;

/// <summary>Fine-tuning on (context, response) pairs, full and LoRA, on the tiny fixtures.</summary>
public sealed class CausalLmFineTuningTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "kefu-lm-finetune-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    internal static IReadOnlyList<ResponsePair> Pairs() =>
    [
        .. new (string, string)[]
        {
            ("您好，请问能帮我查订单吗？", "好的，请提供订单号。"),
            ("我的快递到哪了？", "请提供订单号，我帮您查询。"),
            ("可以退货吗？", "可以，七天内无理由退货。"),
            ("怎么退款？", "退款会在三个工作日内原路返回。"),
            ("谢谢，再见！", "不客气，再见！"),
            ("Where is my card?", "It is on its way."),
            ("I want to transfer money", "Sure, to which account?"),
            ("发票怎么开？", "请在订单详情页申请发票。"),
        }.Select((p, i) => new ResponsePair(p.Item1, [p.Item2], $"test:{i + 1}")),
    ];

    private static float[] LastLogits(CausalLanguageModel model, int[] ids)
    {
        var g = new Graph(recordTape: false);
        return model.Logits(g, ids, null, 1, ids.Length).Row(ids.Length - 1).ToArray();
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Full_fine_tuning_lowers_the_loss_and_the_saved_folder_reloads_identically(string name)
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf(name), trainable: true);
        var options = new GenerationFineTuneOptions(Epochs: 4, BatchSize: 4, LearningRate: 3e-3f, WarmupRatio: 0f, Seed: 3);
        var result = CausalLmFineTuner.Train(lm, Pairs(), Pairs(), options);
        foreach (var e in result.History)
            output.WriteLine($"{name} epoch {e.Epoch}: train {e.TrainLoss:F4}, validation {e.ValidationLoss:F4}");
        Assert.True(result.History[^1].ValidationLoss < result.History[0].ValidationLoss - 0.5f);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);

        string saved = Path.Combine(folder, "full");
        lm.Save(saved);
        foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(saved, file)), file);
        var reloaded = TextGenerationModel.Load(saved);
        int[] ids = lm.Codec.Encode("您好，请问能帮我查订单吗？");
        Assert.Equal(LastLogits(lm.Model, ids), LastLogits(reloaded.Model, ids));
        Assert.Equal(lm.StopTokenIds, reloaded.StopTokenIds);
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2", new[] { "c_attn", "c_proj", "c_fc" })]
    [InlineData("tiny-qwen2", new[] { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj" })]
    public void Lora_with_b_zero_equals_the_base_model(string name, string[] targets)
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf(name));
        int[] ids = lm.Codec.Encode("订单号是123456");
        float[] before = LastLogits(lm.Model, ids);
        lm.Model.Adapters = LoraAdapters.Create(lm.Model, new LoraOptions(4, 8, targets));
        Assert.Equal(before, LastLogits(lm.Model, ids));
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2", new[] { "c_attn", "c_proj" })]
    [InlineData("tiny-qwen2", new[] { "k_proj", "o_proj", "up_proj" })]
    public void Lora_gradients_match_finite_differences(string name, string[] targets)
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf(name));
        var adapters = LoraAdapters.Create(lm.Model, new LoraOptions(2, 4, targets), seed: 5);
        var values = adapters.Parameters.Values;
        var rng = new Random(9);
        foreach (var a in adapters.All) // B away from zero so A gets a gradient too
        {
            var b = adapters.Parameters.MemoryOf(a.B).Span;
            for (int i = 0; i < b.Length; i++)
                b[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
        }
        adapters.Parameters.MarkChanged();
        lm.Model.Adapters = adapters;
        var examples = CausalLmFineTuner.Encode(new ResponseFormat(lm, chat: false), Pairs().Take(3).ToArray(), 64);
        var (ids, mask, targetIds, time, _) = CausalLmFineTuner.MakeBatch(examples);
        double Loss()
        {
            var g = new Graph(recordTape: false);
            return g.CrossEntropy(lm.Model.Logits(g, ids, mask, examples.Length, time), targetIds).Span[0];
        }
        var tape = new Graph(recordTape: true);
        adapters.Parameters.ZeroGradients();
        tape.Backward(tape.CrossEntropy(lm.Model.Logits(tape, ids, mask, examples.Length, time), targetIds));
        float[] gradients = adapters.Parameters.Gradients.ToArray();
        int checkedCount = 0;
        foreach (var adapter in adapters.All.Take(4))
        {
            foreach (var p in new[] { adapter.A, adapter.B })
            {
                for (int k = 0; k < 3; k++)
                {
                    int i = p.Offset + rng.Next(p.Length);
                    float original = values[i];
                    const float h = 1e-2f;
                    values[i] = original + h;
                    adapters.Parameters.MarkChanged();
                    double plus = Loss();
                    values[i] = original - h;
                    adapters.Parameters.MarkChanged();
                    double minus = Loss();
                    values[i] = original;
                    adapters.Parameters.MarkChanged();
                    double numeric = (plus - minus) / (2 * h);
                    Assert.True(Math.Abs(numeric - gradients[i]) <= 2e-3 + 0.05 * Math.Abs(numeric),
                        $"{p.Name}[{i - p.Offset}]: analytic {gradients[i]}, numeric {numeric}");
                    checkedCount++;
                }
            }
        }
        Assert.Equal(24, checkedCount);
        Assert.Contains(gradients, g => g != 0f);
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Lora_training_changes_only_the_adapters_and_saves_in_peft_layout(string name)
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf(name));
        float[] baseWeights = lm.Model.Parameters.Values.ToArray();
        var options = new GenerationFineTuneOptions(Epochs: 4, BatchSize: 4, LearningRate: 1e-2f, WarmupRatio: 0f, Lora: new LoraOptions(4, 8));
        var result = CausalLmFineTuner.Train(lm, Pairs(), Pairs(), options);
        Assert.True(result.History[^1].ValidationLoss < result.History[0].ValidationLoss);
        Assert.Equal(baseWeights, lm.Model.Parameters.Values.ToArray());

        string saved = Path.Combine(folder, "lora");
        lm.Save(saved);
        Assert.False(File.Exists(Path.Combine(saved, "model.safetensors")));
        using (var file = SafetensorsFile.Open(Path.Combine(saved, LoraAdapters.WeightsFile)))
        {
            string module = name == "tiny-gpt2" ? "transformer.h.0.attn.c_attn" : "model.layers.0.self_attn.q_proj";
            var a = file.Tensors.Single(t => t.Name == $"base_model.model.{module}.lora_A.weight");
            var b = file.Tensors.Single(t => t.Name == $"base_model.model.{module}.lora_B.weight");
            Assert.Equal(4, a.Shape[0]);
            Assert.Equal(lm.Model.Config.Hidden, a.Shape[1]);
            Assert.Equal(4, b.Shape[1]);
            Assert.Equal(2 * result.Adapters!.All.Count, file.Tensors.Count);
        }
        var reloaded = TextGenerationModel.Load(saved);
        Assert.NotNull(reloaded.Model.Adapters);
        int[] ids = lm.Codec.Encode("可以退货吗？");
        Assert.Equal(LastLogits(lm.Model, ids), LastLogits(reloaded.Model, ids));
        // adapters are neither resumed nor merged: training a PEFT folder again is refused
        Assert.Contains("LoRA adapters", Assert.Throws<ArgumentException>(() => CausalLmFineTuner.Train(reloaded, Pairs(), null, options)).Message);
    }

    [CausalLmFixtureFact]
    public void Prompt_tokens_carry_no_loss_and_long_contexts_are_cut_from_the_left()
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf("tiny-gpt2"));
        var format = new ResponseFormat(lm, chat: false);
        var pair = new ResponsePair(string.Concat(Enumerable.Repeat("订单", 40)), ["好的"], "test:1");
        var example = CausalLmFineTuner.Encode(format, [pair], 16).Single();
        int[] target = format.Target("好的");
        Assert.Equal(16, example.Ids.Length);
        Assert.Equal(target, example.Ids[^target.Length..]);
        var (_, _, targets, _, count) = CausalLmFineTuner.MakeBatch([example]);
        Assert.Equal(target.Length, count);
        Assert.All(targets[..(example.PromptLength - 1)], t => Assert.Equal(CrossEntropyOp.IgnoreTarget, t));
        Assert.Equal(target, targets[(example.PromptLength - 1)..^1]);
    }

    [CausalLmFixtureFact]
    public void Bad_lora_targets_and_early_stopping_without_validation_are_refused()
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf("tiny-gpt2"));
        var e = Assert.Throws<ArgumentException>(() => LoraAdapters.Create(lm.Model, new LoraOptions(4, 8, ["q_proj"])));
        Assert.Contains("c_attn", e.Message);
        Assert.Throws<ArgumentException>(() => CausalLmFineTuner.Train(lm, Pairs(), null, new GenerationFineTuneOptions(EarlyStoppingPatience: 1, Lora: new LoraOptions())));
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new GenerationFineTuneOptions(Dropout: 1f).Validate()).Message);
    }

    [CausalLmFixtureTheory]
    [InlineData("tiny-gpt2")]
    [InlineData("tiny-qwen2")]
    public void Dropout_changes_training_only_and_is_repeatable_for_a_seed(string name)
    {
        int[] ids = [5, 17, 42, 8, 23];
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf(name), trainable: true);
        var plain = LastLogits(lm.Model, ids);
        lm.Model.Dropout = 0.5f;
        Assert.Equal(plain, LastLogits(lm.Model, ids));                      // decoding graphs never drop
        var taped = new Graph(recordTape: true, seed: 1);
        var dropped = lm.Model.Logits(taped, ids, null, 1, ids.Length).Row(ids.Length - 1).ToArray();
        Assert.NotEqual(plain, dropped);

        float[] Losses(float dropout)
        {
            var model = TextGenerationModel.Load(CausalLmFixture.PathOf(name), trainable: true);
            var options = new GenerationFineTuneOptions(Epochs: 2, BatchSize: 4, LearningRate: 3e-3f, WarmupRatio: 0f, Seed: 3, Dropout: dropout);
            return [.. CausalLmFineTuner.Train(model, Pairs(), null, options).History.Select(e => e.TrainLoss)];
        }
        var withDropout = Losses(0.3f);
        Assert.Equal(withDropout, Losses(0.3f));
        Assert.NotEqual(Losses(0f), withDropout);
    }
}

/// <summary>Early stopping: validation pairs that contradict the training pairs stop the run, and the best epoch's weights are kept.</summary>
public sealed class CausalLmEarlyStoppingTests
{
    [CausalLmFixtureFact]
    public void Training_stops_when_the_validation_loss_rises_and_keeps_the_best_epoch()
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf("tiny-gpt2"), trainable: true);
        var train = CausalLmFineTuningTests.Pairs();
        // the same contexts with unrelated English responses: memorising the training responses must eventually hurt these
        var validation = train.Select((p, i) => p with { Responses = [$"zebra quantum violin {i} orbit"] }).ToArray();
        var options = new GenerationFineTuneOptions(Epochs: 40, BatchSize: 4, LearningRate: 3e-3f, WarmupRatio: 0f, EarlyStoppingPatience: 2,
            Schedule: Kefu.Nlu.Pretrained.LearningRateSchedule.Constant);
        var result = CausalLmFineTuner.Train(lm, train, validation, options);
        Assert.True(result.StoppedEarly, string.Join(", ", result.History.Select(e => $"{e.ValidationLoss:F3}")));
        Assert.True(result.History.Count < 40);
        Assert.Equal(result.History.Count - 2, result.BestEpoch);
        float best = result.History.Min(e => e.ValidationLoss!.Value);
        Assert.Equal(best, result.History[result.BestEpoch - 1].ValidationLoss);
        var examples = CausalLmFineTuner.Encode(new ResponseFormat(lm, chat: false), validation, 256);
        Assert.Equal(best, (float)CausalLmFineTuner.MeanLoss(lm.Model, examples, 4), 4);
    }
}
