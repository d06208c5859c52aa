using System.Diagnostics;
using Kefu.Nlu.Entities;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>Where a fine-tuning run is: reported after every optimizer step and at the end of each epoch.</summary>
/// <param name="Loss">Mean training loss over the epoch so far.</param>
/// <param name="Accuracy">Training intent accuracy over the epoch so far (dropout on).</param>
public sealed record FineTuneProgress(int Epoch, int Epochs, int Step, int TotalSteps, float Loss, float Accuracy,
    double ExamplesPerSecond, TimeSpan Elapsed, TimeSpan Remaining, EpochResult? EpochDone = null);

/// <summary>One finished epoch; validation figures when a validation set was given.</summary>
public sealed record EpochResult(int Epoch, float TrainLoss, float TrainAccuracy, double? ValidationAccuracy, double? ValidationEntityF1);

public sealed record FineTuneResult(TransformerNlu Model, IReadOnlyList<EpochResult> History, int BestEpoch, bool StoppedEarly);

/// <summary>
/// Fine-tunes a pretrained encoder on labelled messages: intent head and entity head trained jointly, top to bottom in
/// <see cref="Train"/>. Deterministic for a seed (shuffling and dropout draw from it, per epoch, so a run resumed from a
/// checkpoint continues exactly as it would have). Legend: B sequences, T pieces, K intents, L tags.
/// </summary>
public static class FineTuner
{
    private const string StateFile = "trainer_state.json";
    private const string OptimizerFile = "optimizer.safetensors";

    /// <summary>A text made ready for training: piece ids, its intent, its words' gold tags, and its row in the data.</summary>
    private sealed record Encoded(int[] Ids, int Intent, int[] WordTokens, int[] WordTags, int Index);

    /// <summary>Knowledge distillation: the teacher's intent probabilities at a temperature as soft targets.</summary>
    /// <param name="SoftTargets">[N][K] the teacher's softmax(z / T) for each training example, in order.</param>
    /// <param name="Alpha">Weight of the soft-target loss; the gold labels' loss gets 1 − Alpha.</param>
    public sealed record Distillation(float[][] SoftTargets, float Temperature, float Alpha);

    /// <param name="modelFolder">A local Hugging Face folder (resolve hub ids first).</param>
    /// <param name="checkpointDir">Where each epoch's model, optimizer state and progress go; a run finds them there and resumes.</param>
    public static FineTuneResult Train(string modelFolder, NluTrainingData train, NluTrainingData? validation, FineTuneOptions options,
        string? checkpointDir = null, IProgress<FineTuneProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (train.Examples.Count == 0)
            throw new ArgumentException("The training data has no examples.");
        var intents = train.Examples.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToArray();
        var entityTypes = train.Examples.SelectMany(e => e.Entities).Select(EntityExtractor.TypeKey).Distinct().Order(StringComparer.Ordinal).ToArray();
        var tags = entityTypes.Length > 0 ? new EntityTagSet(entityTypes, options.TagScheme, options.Crf) : null;
        string configPath = Path.Combine(modelFolder, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{modelFolder}: no config.json; a Hugging Face model folder has config.json beside its weights.", configPath);
        var config = BertConfig.Load(configPath);
        var tokenizer = EncoderTokenizer.Load(modelFolder);
        if (options.Dropout is { } p)
            config = config with { HiddenDropout = p, AttentionDropout = p, ClassifierDropout = p };
        int maxLength = Math.Min(options.MaxLength, config.MaxPositions - config.PositionOffset);
        var model = LoadPretrained(modelFolder, config, intents, tags, options.Seed);
        model.Pooling = options.Pooling;
        return Train(new TransformerNlu(model, tokenizer, maxLength, modelFolder), train, validation, options, checkpointDir, progress, null, cancellation);
    }

    /// <summary>
    /// Trains <paramref name="nlu"/> in place from its current weights (a pretrained encoder with new heads, or a
    /// distillation student); its intents and entity types are the labels, and every example's intent must be one.
    /// </summary>
    public static FineTuneResult Train(TransformerNlu nlu, NluTrainingData train, NluTrainingData? validation, FineTuneOptions options,
        string? checkpointDir, IProgress<FineTuneProgress>? progress, Distillation? distillation, CancellationToken cancellation = default)
    {
        options.Validate();
        var model = nlu.Model;
        var tags = model.Tags;
        var intents = nlu.Intents.ToArray();
        var entityTypes = tags?.EntityTypes.ToArray() ?? [];
        var index = intents.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        if (train.Examples.Concat(validation?.Examples ?? []).FirstOrDefault(e => !index.ContainsKey(e.Intent)) is { } unknown)
            throw new ArgumentException($"Intent \"{unknown.Intent}\" (\"{unknown.Text}\") is not one of the model's {intents.Length} intents.");
        if (distillation is not null && (distillation.SoftTargets.Length != train.Examples.Count || distillation.SoftTargets.Any(t => t.Length != intents.Length)))
            throw new ArgumentException("Distillation needs one soft-target row of the model's intents per training example.");
        var examples = train.Examples.Select((e, i) => Encode(nlu, e, index[e.Intent], i)).ToArray();
        var tokenizer = nlu.Tokenizer;

        var parameters = model.Parameters;
        Freeze(model, options);
        parameters.Decay.LearningRate = parameters.NoDecay.LearningRate = options.LearningRate;
        parameters.Decay.WeightDecay = options.WeightDecay;
        var optimizer = new AdamW(parameters);
        int microBatches = (examples.Length + options.BatchSize - 1) / options.BatchSize;
        int stepsPerEpoch = (microBatches + options.GradientAccumulation - 1) / options.GradientAccumulation;
        int totalSteps = stepsPerEpoch * options.Epochs;

        var history = new List<EpochResult>();
        float[]? best = null;
        double bestScore = double.NegativeInfinity;
        int bestEpoch = 0, firstEpoch = 0;
        if (checkpointDir is not null && TrainingState.TryLoad(checkpointDir, StateFile) is { } resumed)
        {
            resumed.CheckCompatible(intents, entityTypes, options, checkpointDir);
            var last = TransformerNlu.Load(Path.Combine(checkpointDir, "last"));
            parameters.CopyValuesFrom(last.Model.Parameters);
            TrainingState.LoadOptimizer(Path.Combine(checkpointDir, OptimizerFile), optimizer, resumed.Step);
            history.AddRange(resumed.History);
            (firstEpoch, bestEpoch, bestScore) = (resumed.History.Count, resumed.BestEpoch, resumed.BestScore);
            if (bestEpoch > 0 && bestEpoch < firstEpoch)
                best = TransformerNlu.Load(Path.Combine(checkpointDir, "best")).Model.Parameters.Values.ToArray();
        }

        var clock = Stopwatch.StartNew();
        int step = optimizer.StepCount, startStep = step;
        bool stoppedEarly = false;
        for (int epoch = firstEpoch; epoch < options.Epochs && !stoppedEarly; epoch++)
        {
            var graph = new Graph(recordTape: true, seed: (ulong)options.Seed * 1_000_003UL + (ulong)epoch);
            double lossSum = 0;
            int seen = 0, correct = 0, inStep = 0;
            foreach (var batch in Batches(examples, options.BatchSize, options.Seed + epoch))
            {
                cancellation.ThrowIfCancellationRequested();
                graph.Reset();
                var (inputs, intentTargets, tagTargets, crfRows, crfTags, crfLengths) = MakeBatch(batch, tokenizer.PaddingId, tags is not null);
                var logits = model.Forward(graph, inputs, out var tagLogits);               // [B, K], [B*T, L]
                var loss = graph.CrossEntropy(logits, intentTargets, options.LabelSmoothing);
                if (distillation is { } d)
                {
                    var soft = graph.SoftCrossEntropy(logits, SoftTargets(batch, d.SoftTargets), d.Temperature);
                    loss = graph.Add(graph.Scale(loss, 1f - d.Alpha), graph.Scale(soft, d.Alpha));
                }
                if (tagLogits is not null && options.EntityLossWeight > 0)
                {
                    var tagLoss = model.Crf is { } crf
                        ? crf.Loss(graph, tagLogits, crfRows, crfTags, crfLengths)
                        : graph.CrossEntropy(tagLogits, tagTargets);
                    loss = graph.Add(loss, options.EntityLossWeight == 1f ? tagLoss : graph.Scale(tagLoss, options.EntityLossWeight));
                }
                graph.Backward(loss, 1f / options.GradientAccumulation);
                lossSum += loss.Span[0] * batch.Length;
                seen += batch.Length;
                correct += CountCorrect(logits.Span, intentTargets, intents.Length);
                if (++inStep == options.GradientAccumulation || seen == examples.Length)
                {
                    if (options.ClipNorm > 0)
                        parameters.ClipGradientNorm(options.ClipNorm);
                    optimizer.Step(options.LearningRateFactor(step, totalSteps));
                    parameters.ZeroGradients();
                    step++;
                    inStep = 0;
                    progress?.Report(Progress(epoch, options.Epochs, step, totalSteps, startStep, lossSum, seen, correct, clock,
                        (step - startStep) * (double)options.BatchSize * options.GradientAccumulation));
                }
            }

            var result = new EpochResult(epoch + 1, (float)(lossSum / seen), correct / (float)seen, null, null);
            double score = -result.TrainLoss;
            if (validation is { Examples.Count: > 0 })
            {
                var (accuracy, entityF1) = Evaluate(nlu, validation.Examples);
                result = result with { ValidationAccuracy = accuracy, ValidationEntityF1 = entityF1 };
                score = entityF1 is { } f1 ? (accuracy + f1) / 2 : accuracy;
            }
            history.Add(result);
            if (score > bestScore)
            {
                (bestScore, bestEpoch) = (score, epoch + 1);
                best = parameters.Values.ToArray();
                if (checkpointDir is not null)
                    nlu.Save(Path.Combine(checkpointDir, "best"));
            }
            else if (options.EarlyStoppingPatience > 0 && epoch + 1 - bestEpoch >= options.EarlyStoppingPatience)
                stoppedEarly = true;
            if (checkpointDir is not null)
            {
                nlu.Save(Path.Combine(checkpointDir, "last"));
                TrainingState.SaveOptimizer(Path.Combine(checkpointDir, OptimizerFile), optimizer);
                new TrainingState(intents, entityTypes, options, step, history, bestEpoch, bestScore).Save(checkpointDir, StateFile);
            }
            progress?.Report(Progress(epoch, options.Epochs, step, totalSteps, startStep, lossSum, seen, correct, clock,
                (step - startStep) * (double)options.BatchSize * options.GradientAccumulation) with { EpochDone = result });
        }
        // the best epoch's weights (by validation score, or training loss without validation data)
        if (best is not null)
            best.CopyTo(parameters.Values);
        return new FineTuneResult(nlu, history, bestEpoch, stoppedEarly);
    }

    /// <summary>Intent accuracy and (when annotated) entity F1, exact span and type, micro-averaged.</summary>
    public static (double Accuracy, double? EntityF1) Evaluate(TransformerNlu nlu, IReadOnlyList<NluExample> examples)
    {
        int correct = 0, truePositives = 0, predicted = 0, gold = 0;
        bool annotated = nlu.Tags is not null && examples.Any(e => e.Entities.Count > 0);
        foreach (var example in examples)
        {
            var (_, _, probabilities, entities) = nlu.Predict(example.Text);
            if (nlu.Intents[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities)] == example.Intent)
                correct++;
            if (!annotated)
                continue;
            var found = entities.Select(e => (e.Start, e.End, nlu.Tags!.EntityTypes[e.Type])).ToHashSet();
            var expected = example.Entities.Select(e => (e.Start, e.End, EntityExtractor.TypeKey(e))).ToHashSet();
            truePositives += found.Count(expected.Contains);
            predicted += found.Count;
            gold += expected.Count;
        }
        double? f1 = annotated ? (predicted + gold == 0 ? 1 : 2.0 * truePositives / (predicted + gold)) : null;
        return (correct / (double)Math.Max(1, examples.Count), f1);
    }

    private static BertClassifier LoadPretrained(string folder, BertConfig config, string[] intents, EntityTagSet? tags, int seed)
    {
        var model = new BertClassifier(config with { Labels = intents }, tags, (ulong)seed);
        using var checkpoint = Checkpoint.Open(folder);
        BertWeights.Load(checkpoint, model, withHeads: false);
        return model;
    }

    private static void Freeze(BertClassifier model, FineTuneOptions options)
    {
        if (options.FreezeLayers > model.Config.Layers)
            throw new ArgumentException($"freeze_layers {options.FreezeLayers} is more than the model's {model.Config.Layers} layers.");
        if (options.FreezeEmbeddings || options.FreezeLayers > 0)
        {
            foreach (var p in model.Parameters.WithPrefix("embeddings."))
                p.Frozen = true;
        }
        for (int i = 0; i < options.FreezeLayers; i++)
        {
            foreach (var p in model.Parameters.WithPrefix($"encoder.layers.{i}."))
                p.Frozen = true;
        }
    }

    private static Encoded Encode(TransformerNlu nlu, NluExample example, int intent, int row)
    {
        var tokens = TokenizedText.Of(nlu.Tokenizer, example.Text, nlu.MaxLength);
        var tags = nlu.Tags?.Encode(tokens.WordSpans, example.Entities) ?? [];
        return new Encoded(tokens.Ids, intent, tokens.WordTokens, tags, row);
    }

    // [B*K] the batch's rows of the teacher's probabilities
    private static float[] SoftTargets(Encoded[] batch, float[][] all) => [.. batch.SelectMany(e => all[e.Index])];

    /// <summary>
    /// The epoch's batches: a seeded shuffle, then examples of similar length grouped (windows of 50 batches sorted by
    /// length), then the batches shuffled, so that little of each batch is padding.
    /// </summary>
    private static IEnumerable<Encoded[]> Batches(Encoded[] examples, int batchSize, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, examples.Length).ToArray();
        random.Shuffle(order);
        int window = batchSize * 50;
        var batches = new List<Encoded[]>();
        for (int start = 0; start < order.Length; start += window)
        {
            var sorted = order.Skip(start).Take(window).OrderBy(i => examples[i].Ids.Length).ToArray();
            for (int b = 0; b < sorted.Length; b += batchSize)
                batches.Add([.. sorted.Skip(b).Take(batchSize).Select(i => examples[i])]);
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>Padded inputs, intent targets [B], piece tag targets [B*T] (ignored off first pieces), and the CRF's word rows.</summary>
    private static (BertBatch Inputs, int[] Intents, int[] PieceTags, int[] CrfRows, int[] CrfTags, int[] CrfLengths) MakeBatch(
        Encoded[] batch, int paddingId, bool withTags)
    {
        int b = batch.Length, t = batch.Max(e => e.Ids.Length);
        var ids = new int[b * t];
        var mask = new float[b * t];
        Array.Fill(ids, paddingId);
        var pieceTags = new int[withTags ? b * t : 0];
        Array.Fill(pieceTags, CrossEntropyOp.IgnoreTarget);
        var rows = new List<int>();
        var words = new List<int>();
        var lengths = new int[withTags ? b : 0];
        for (int i = 0; i < b; i++)
        {
            var e = batch[i];
            e.Ids.CopyTo(ids, i * t);
            mask.AsSpan(i * t, e.Ids.Length).Fill(1f);
            if (!withTags)
                continue;
            for (int w = 0; w < e.WordTokens.Length; w++)
            {
                pieceTags[i * t + e.WordTokens[w]] = e.WordTags[w];
                rows.Add(i * t + e.WordTokens[w]);
                words.Add(e.WordTags[w]);
            }
            lengths[i] = e.WordTokens.Length;
        }
        return (new BertBatch(ids, mask, b, t), [.. batch.Select(e => e.Intent)], pieceTags, [.. rows], [.. words], lengths);
    }

    private static int CountCorrect(ReadOnlySpan<float> logits, int[] targets, int k)
    {
        int correct = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * k, k)) == targets[i])
                correct++;
        }
        return correct;
    }

    private static FineTuneProgress Progress(int epoch, int epochs, int step, int totalSteps, int startStep, double lossSum, int seen,
        int correct, Stopwatch clock, double examplesThisRun)
    {
        double seconds = clock.Elapsed.TotalSeconds, rate = examplesThisRun / Math.Max(1e-9, seconds);
        var remaining = step > startStep ? TimeSpan.FromSeconds(seconds / (step - startStep) * (totalSteps - step)) : TimeSpan.Zero;
        return new FineTuneProgress(epoch + 1, epochs, step, totalSteps, (float)(lossSum / Math.Max(1, seen)), correct / (float)Math.Max(1, seen),
            rate, clock.Elapsed, remaining);
    }
}
