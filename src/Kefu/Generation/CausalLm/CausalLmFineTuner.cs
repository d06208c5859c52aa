using System.Diagnostics;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// How `kefu generate finetune` trains. Schedules are the pretrained-model issue's (<see cref="LearningRateSchedule"/>);
/// <paramref name="Lora"/> null fine-tunes every weight, otherwise only the adapters train.
/// </summary>
/// <param name="MaxLength">Tokens per example at most (prompt and response); the context is cut from the left first.</param>
/// <param name="EarlyStoppingPatience">Epochs without a lower validation loss before training stops (0: never).</param>
/// <param name="Dropout">The model's <see cref="CausalLanguageModel.Dropout"/> while it trains (embeddings and residual branches).</param>
public sealed record GenerationFineTuneOptions(
    int Epochs = 3,
    int BatchSize = 8,
    float LearningRate = 5e-5f,
    int GradientAccumulation = 1,
    LearningRateSchedule Schedule = LearningRateSchedule.Linear,
    float WarmupRatio = 0.1f,
    float WeightDecay = 0f,
    float ClipNorm = 1f,
    int EarlyStoppingPatience = 0,
    int Seed = 1,
    int MaxLength = 256,
    bool Chat = false,
    LoraOptions? Lora = null,
    float Dropout = 0f)
{
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Check(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Check(LearningRate > 0 && LearningRate < 1, $"learning rate must be in (0, 1), got {LearningRate}");
        Check(GradientAccumulation >= 1, $"gradient accumulation must be at least 1, got {GradientAccumulation}");
        Check(WarmupRatio is >= 0 and < 1, $"warm-up ratio must be in [0, 1), got {WarmupRatio}");
        Check(WeightDecay >= 0, $"weight decay must be 0 or more, got {WeightDecay}");
        Check(ClipNorm >= 0, $"clip norm must be 0 or more, got {ClipNorm}");
        Check(EarlyStoppingPatience >= 0, $"early-stopping patience must be 0 or more, got {EarlyStoppingPatience}");
        Check(Dropout is >= 0 and < 1, $"dropout must be in [0, 1), got {Dropout}");
        Check(MaxLength >= 2, $"max length must be at least 2, got {MaxLength}");
        Check(Lora is null || Lora.Rank >= 1, $"LoRA rank must be at least 1, got {Lora?.Rank}");
        Check(Lora is null || Lora.Alpha > 0, $"LoRA alpha must be positive, got {Lora?.Alpha}");
    }

    public float LearningRateFactor(int step, int totalSteps) =>
        new FineTuneOptions(Schedule: Schedule, WarmupRatio: WarmupRatio).LearningRateFactor(step, totalSteps);
}

/// <summary>One epoch: mean loss per response token on the training data and, when given, the validation data.</summary>
public sealed record GenerationEpoch(int Epoch, float TrainLoss, float TrainTokenAccuracy, float? ValidationLoss);

/// <param name="Tokens">Tokens (prompt and response) run forward and backward; with Seconds the training throughput.</param>
public sealed record GenerationFineTuneResult(IReadOnlyList<GenerationEpoch> History, int BestEpoch, bool StoppedEarly,
    LoraAdapters? Adapters, double Seconds, long Tokens);

/// <summary>An encoded example: prompt then response ids; the loss counts the response's tokens only.</summary>
public readonly record struct TrainingExample(int[] Ids, int PromptLength);

/// <summary>
/// Fine-tunes a causal LM on (context, response) pairs, top to bottom in <see cref="Train"/>: each pair becomes
/// <see cref="ResponseFormat"/>'s prompt followed by its response, the cross-entropy counts only the response's tokens
/// (prompt positions are <see cref="CrossEntropyOp.IgnoreTarget"/>, as transformers' labels −100), AdamW with the
/// schedule's factor per optimizer step, gradient accumulation, clipping, and early stopping on the validation loss
/// (the best epoch's weights are kept). Deterministic for a seed. Legend: B sequences, T tokens, V vocabulary.
/// </summary>
public static class CausalLmFineTuner
{
    /// <param name="lm">Loaded with trainable: true for a full fine-tune; LoRA needs no gradient buffers in the model.</param>
    public static GenerationFineTuneResult Train(TextGenerationModel lm, IReadOnlyList<ResponsePair> train, IReadOnlyList<ResponsePair>? validation,
        GenerationFineTuneOptions options, IProgress<FineTuneProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        var model = lm.Model;
        var format = new ResponseFormat(lm, options.Chat);
        var examples = Encode(format, train, Math.Min(options.MaxLength, model.Config.MaxPositions));
        var validationExamples = validation is null ? null : Encode(format, validation, Math.Min(options.MaxLength, model.Config.MaxPositions));
        return Train(model, examples, validationExamples, options, progress, ct);
    }

    /// <summary>The same on examples already encoded (a model with its own tokenizer, e.g. one trained from scratch).</summary>
    public static GenerationFineTuneResult Train(CausalLanguageModel model, TrainingExample[] examples, TrainingExample[]? validationExamples,
        GenerationFineTuneOptions options, IProgress<FineTuneProgress>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        if (options.EarlyStoppingPatience > 0 && validationExamples is not { Length: > 0 })
            throw new ArgumentException("early stopping needs validation pairs: it stops when the validation loss no longer falls");
        if (examples.Length == 0)
            throw new ArgumentException("no training examples");
        if (model.Adapters is not null)
            throw new ArgumentException("the model carries LoRA adapters (a PEFT folder): Kefu neither merges nor resumes them; fine-tune the base model");

        LoraAdapters? adapters = null;
        ParameterSet trained;
        if (options.Lora is { } lora)
        {
            adapters = LoraAdapters.Create(model, lora, (ulong)options.Seed);
            model.Adapters = adapters;
            trained = adapters.Parameters;
            foreach (var p in model.Parameters.Parameters)
                p.Frozen = true;
        }
        else
        {
            if (!model.Parameters.HasGradients)
                throw new InvalidOperationException("A full fine-tune needs the model loaded with trainable: true.");
            trained = model.Parameters;
        }
        trained.Decay.LearningRate = trained.NoDecay.LearningRate = options.LearningRate;
        trained.Decay.WeightDecay = options.WeightDecay;
        trained.NoDecay.WeightDecay = 0f;
        var optimizer = new AdamW(trained);
        int microBatches = (examples.Length + options.BatchSize - 1) / options.BatchSize;
        int stepsPerEpoch = (microBatches + options.GradientAccumulation - 1) / options.GradientAccumulation;
        int totalSteps = stepsPerEpoch * options.Epochs;

        var history = new List<GenerationEpoch>();
        float[]? best = null;
        float bestLoss = float.PositiveInfinity;
        int bestEpoch = 0, step = 0;
        long tokens = 0;
        bool stoppedEarly = false;
        var clock = Stopwatch.StartNew();
        var graph = new Graph(recordTape: true, seed: (ulong)options.Seed);   // dropout's masks draw from it
        model.Dropout = options.Dropout;
        for (int epoch = 0; epoch < options.Epochs && !stoppedEarly; epoch++)
        {
            double lossSum = 0;
            long counted = 0, correct = 0;
            int inStep = 0, seen = 0;
            var order = Enumerable.Range(0, examples.Length).ToArray();
            new Random(options.Seed * 1_000_003 + epoch).Shuffle(order);
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                var batch = order.Skip(start).Take(options.BatchSize).Select(i => examples[i]).ToArray();
                graph.Reset();
                var (ids, mask, targets, time, count) = MakeBatch(batch);
                var logits = model.Logits(graph, ids, mask, batch.Length, time);                // [B*T, V]
                var loss = graph.CrossEntropy(logits, targets);
                graph.Backward(loss, 1f / options.GradientAccumulation);
                lossSum += loss.Span[0] * count;
                counted += count;
                correct += CountCorrect(logits, targets);
                tokens += batch.Sum(e => e.Ids.Length);
                seen += batch.Length;
                if (++inStep == options.GradientAccumulation || seen == examples.Length)
                {
                    if (options.ClipNorm > 0)
                        trained.ClipGradientNorm(options.ClipNorm);
                    optimizer.Step(options.LearningRateFactor(step, totalSteps));
                    trained.ZeroGradients();
                    step++;
                    inStep = 0;
                    progress?.Report(Progress(epoch, options, step, totalSteps, lossSum, counted, correct, clock, seen + epoch * examples.Length));
                }
            }
            float? validationLoss = validationExamples is null ? null : (float)MeanLoss(model, validationExamples, options.BatchSize);
            var result = new GenerationEpoch(epoch + 1, (float)(lossSum / Math.Max(1, counted)), correct / (float)Math.Max(1, counted), validationLoss);
            history.Add(result);
            float score = validationLoss ?? float.NegativeInfinity; // without validation data the last epoch is kept
            if (validationLoss is null || score < bestLoss)
            {
                (bestLoss, bestEpoch) = (score, epoch + 1);
                if (validationLoss is not null)
                    best = trained.Values.ToArray();
            }
            else if (options.EarlyStoppingPatience > 0 && epoch + 1 - bestEpoch >= options.EarlyStoppingPatience)
                stoppedEarly = true;
            progress?.Report(Progress(epoch, options, step, totalSteps, lossSum, counted, correct, clock, (epoch + 1) * examples.Length) with
            {
                EpochDone = new EpochResult(epoch + 1, result.TrainLoss, result.TrainTokenAccuracy, null, null),
            });
        }
        if (best is not null)
            best.CopyTo(trained.Values);
        trained.MarkChanged();
        model.Parameters.MarkChanged();
        return new GenerationFineTuneResult(history, bestEpoch, stoppedEarly, adapters, clock.Elapsed.TotalSeconds, tokens);
    }

    /// <summary>Prompt and response ids of each pair (one example per response), cut to <paramref name="maxLength"/>: the context from its left first.</summary>
    public static TrainingExample[] Encode(ResponseFormat format, IReadOnlyList<ResponsePair> pairs, int maxLength)
    {
        var examples = new List<TrainingExample>();
        foreach (var pair in pairs)
        {
            int[] prompt = format.Prompt(pair.Context);
            foreach (string response in pair.Responses)
            {
                int[] target = format.Target(response);
                if (target.Length >= maxLength)
                    target = target[..(maxLength - 1)];
                if (prompt.Length == 0)
                    throw new ArgumentException($"{pair.Source}: the context encodes to no tokens; the response needs at least one token before it.");
                int keep = Math.Min(prompt.Length, maxLength - target.Length);
                examples.Add(new TrainingExample([.. prompt[^keep..], .. target], keep));
            }
        }
        return [.. examples];
    }

    /// <summary>Mean cross-entropy per response token over <paramref name="examples"/>, without a tape.</summary>
    public static double MeanLoss(CausalLanguageModel model, IReadOnlyList<TrainingExample> examples, int batchSize)
    {
        var graph = new Graph(recordTape: false);
        double sum = 0;
        long count = 0;
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            var batch = examples.Skip(start).Take(batchSize).ToArray();
            graph.Reset();
            var (ids, mask, targets, time, n) = MakeBatch(batch);
            sum += graph.CrossEntropy(model.Logits(graph, ids, mask, batch.Length, time), targets).Span[0] * (double)n;
            count += n;
        }
        return count == 0 ? 0 : sum / count;
    }

    // right-padded ids [B*T] (pad id 0, masked), mask [B, T], targets [B*T]: the next token where it is a response token
    internal static (int[] Ids, Tensor? Mask, int[] Targets, int Time, int Count) MakeBatch(TrainingExample[] batch)
    {
        int time = batch.Max(e => e.Ids.Length), b = batch.Length, count = 0;
        var ids = new int[b * time];
        var mask = new float[b * time];
        var targets = new int[b * time];
        Array.Fill(targets, CrossEntropyOp.IgnoreTarget);
        for (int s = 0; s < b; s++)
        {
            var e = batch[s];
            e.Ids.CopyTo(ids, s * time);
            mask.AsSpan(s * time, e.Ids.Length).Fill(1f);
            for (int t = Math.Max(0, e.PromptLength - 1); t + 1 < e.Ids.Length; t++)
            {
                targets[s * time + t] = e.Ids[t + 1];
                count++;
            }
        }
        bool padded = batch.Any(e => e.Ids.Length < time);
        return (ids, padded ? Tensor.FromArray(mask, new Shape(b, time)) : null, targets, time, count);
    }

    private static long CountCorrect(Tensor logits, int[] targets)
    {
        long correct = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] != CrossEntropyOp.IgnoreTarget && System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Row(r)) == targets[r])
                correct++;
        }
        return correct;
    }

    private static FineTuneProgress Progress(int epoch, GenerationFineTuneOptions options, int step, int totalSteps, double lossSum, long counted,
        long correct, Stopwatch clock, long examplesDone)
    {
        var elapsed = clock.Elapsed;
        double perSecond = examplesDone / Math.Max(1e-9, elapsed.TotalSeconds);
        var remaining = step == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(elapsed.TotalSeconds / step * (totalSteps - step));
        return new FineTuneProgress(epoch + 1, options.Epochs, step, totalSteps, (float)(lossSum / Math.Max(1, counted)),
            correct / (float)Math.Max(1, counted), perSecond, elapsed, remaining);
    }
}
