using System.Diagnostics;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Numerics;

namespace Kefu.Nlu.Diet;

/// <summary>
/// Trains a <see cref="DietModel"/> from scratch: intents (cross-entropy, label smoothing) and entities (a CRF over BILOU
/// tags, roles and groups as types of their own) together, AdamW with warm-up and linear decay, the sparse input weight
/// stepped row by row. Batches hold messages of similar length (shuffled within windows of 20 batches) so little is
/// padding. Deterministic for a seed.
/// </summary>
public static class DietTrainer
{
    const int SortWindowBatches = 20;

    /// <summary>One message's rows in the featurized corpus, its intent and its tags per token (null: no entity head).</summary>
    readonly record struct Encoded(int FirstRow, int Tokens, int Label, int[]? Tags);

    public static DietModel Train(NluTrainingData data, DietOptions options, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (data.Examples.Count == 0) throw new ArgumentException("no training examples");
        var clock = Stopwatch.StartNew();
        var (train, heldOut) = Split(data.Examples, options.EvaluateExamples, options.Seed);
        var labels = data.Examples.Select(e => e.Intent).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var (parts, partsOf) = IntentParts(labels);
        var entityTypes = data.Examples.SelectMany(e => e.Entities).Select(EntityExtractor.TypeKey).Distinct().Order(StringComparer.Ordinal).ToArray();
        var tags = entityTypes.Length > 0 ? new EntityTagSet(entityTypes, TagScheme.Bilou, crf: true) : null;

        var featurizer = DietFeaturizer.Fit(train.Select(e => e.Text).ToArray(), options.SentenceFeatures, EntityPatterns.Of(data), options.MaxTokens);
        var corpus = new SparseRows();
        var encoded = train.Select(e =>
        {
            int first = corpus.Rows;
            var spans = featurizer.Featurize(e.Text, corpus);
            return new Encoded(first, spans.Length, labelIndex[e.Intent], tags?.Encode(spans, e.Entities));
        }).ToArray();
        int maxTokens = Math.Max(1, encoded.Max(e => e.Tokens));
        var shape = new DietShape(featurizer.ColumnCount, labels.Length, parts.Count, tags?.Count ?? 0, 1 + options.MaxTokens,
            options.Hidden, options.Layers, options.Heads, options.EmbeddingDimension, options.Head, Crf: true, options.DropRate, options.AttentionDropRate);
        var network = new DietNetwork(shape, partsOf);
        network.Allocate((ulong)options.Seed);
        foreach (var set in new[] { network.Parameters, network.InputParameters })
        {
            set.Decay.LearningRate = set.NoDecay.LearningRate = options.LearningRate;
            set.Decay.WeightDecay = options.WeightDecay;
            set.NoDecay.WeightDecay = 0f;
        }
        var model = new DietModel(featurizer, network, labels, tags, Synonyms(data));
        progress?.Report($"DIET: {train.Count} examples ({heldOut.Count} held out), {labels.Length} intents, " +
            $"{entityTypes.Length} entity types, {featurizer.ColumnCount} sparse features, {shape.Layers}×{shape.Hidden} transformer, " +
            $"{options.Head.ToString().ToLowerInvariant()} intent head ({Elapsed(clock)})");

        var optimizer = new AdamW(network.Parameters);
        var inputOptimizer = new RowAdamW(network.Input);
        var rng = new Rng((ulong)options.Seed);
        var graph = new Graph(recordTape: true, seed: (ulong)options.Seed);
        var batchRows = new SparseRows();
        var input = new CsrMatrix(0, 0, [0], [], []);
        var seen = new bool[featurizer.ColumnCount];
        int batchesPerEpoch = (encoded.Length + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = options.Epochs * batchesPerEpoch, warmup = Math.Max(1, totalSteps / 20), step = 0;
        float bestHeldOut = -1f;
        int sinceBest = 0;
        float[]? best = null, bestInput = null;
        var fit = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double lossSum = 0;
            int right = 0, seenExamples = 0;
            foreach (var batch in Batches(encoded, options.BatchSize, rng))
            {
                cancellation.ThrowIfCancellationRequested();
                int b = batch.Length, time = 1 + batch.Max(i => encoded[i].Tokens);
                batchRows.Clear();
                var positions = new int[b * time];
                var targets = new int[b];
                var crfRows = new List<int>();
                var crfTags = new List<int>();
                var lengths = new int[b];
                graph.Reset();
                var mask = graph.NewTensor(new Shape(b, time));
                var m = mask.Span;
                for (int i = 0; i < b; i++)
                {
                    var e = encoded[batch[i]];
                    for (int r = 0; r <= e.Tokens; r++) batchRows.CopyRow(corpus, e.FirstRow + r);
                    batchRows.AddEmptyRows(time - 1 - e.Tokens);
                    for (int t = 0; t < time; t++)
                    {
                        positions[i * time + t] = t;
                        m[i * time + t] = t <= e.Tokens ? 1f : 0f;
                    }
                    targets[i] = e.Label;
                    if (e.Tags is { } gold)
                    {
                        for (int t = 0; t < e.Tokens; t++) { crfRows.Add(i * time + 1 + t); crfTags.Add(gold[t]); }
                        lengths[i] = e.Tokens;
                    }
                }
                input.Reset(b * time, featurizer.ColumnCount, batchRows.RowStarts, batchRows.Columns, batchRows.Values);
                var (intents, tagLogits) = network.Forward(graph, input, positions, mask, b, time);
                var loss = graph.CrossEntropy(intents, targets, options.LabelSmoothing);
                if (network.Crf is { } crf && tagLogits is not null && crfRows.Count > 0 && options.EntityLossWeight > 0f)
                    loss = graph.Add(loss, graph.Scale(crf.Loss(graph, tagLogits, crfRows.ToArray(), crfTags.ToArray(), lengths), options.EntityLossWeight));
                graph.Backward(loss);
                network.Parameters.ClipGradientNorm(1f);
                float scale = Schedules.WarmupLinear(step++, warmup, totalSteps);
                optimizer.Step(scale);
                inputOptimizer.Step(RowAdamW.TouchedRows(input, seen), scale);
                network.Parameters.ZeroGradients();

                if (!float.IsFinite(loss.Span[0]))
                    throw new InvalidDataException($"DIET training diverged in epoch {epoch}: the loss is {loss.Span[0]}. " +
                        $"Lower learning_rate (now {options.LearningRate}) or drop_rate (now {options.DropRate}), or train fewer epochs");
                lossSum += loss.Span[0] * b;
                seenExamples += b;
                var logits = intents.Span;
                for (int i = 0; i < b; i++)
                    if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(i * labels.Length, labels.Length)) == targets[i]) right++;
            }
            float heldOutAccuracy = heldOut.Count == 0 ? float.NaN
                : heldOut.Count(e => model.Labels[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(model.Predict(e.Text).Probabilities)] == e.Intent) / (float)heldOut.Count;
            var remaining = TimeSpan.FromSeconds(fit.Elapsed.TotalSeconds / epoch * (options.Epochs - epoch));
            progress?.Report($"epoch {epoch}/{options.Epochs}: loss {lossSum / seenExamples:F4}, train accuracy {right / (float)seenExamples:F4}" +
                (heldOut.Count > 0 ? $", held-out accuracy {heldOutAccuracy:F4}" : "") +
                $", {seenExamples * epoch / fit.Elapsed.TotalSeconds:F0} examples/s, ETA {remaining:hh\\:mm\\:ss}");
            if (heldOut.Count == 0) continue;
            if (heldOutAccuracy > bestHeldOut)
            {
                bestHeldOut = heldOutAccuracy;
                sinceBest = 0;
                best = network.Parameters.Values.ToArray();
                bestInput = network.InputParameters.Values.ToArray();
            }
            else if (options.EarlyStoppingPatience > 0 && ++sinceBest >= options.EarlyStoppingPatience)
            {
                progress?.Report($"early stopping: no better held-out accuracy for {sinceBest} epochs");
                break;
            }
        }
        if (best is not null)
        {
            best.CopyTo(network.Parameters.Values);
            bestInput!.CopyTo(network.InputParameters.Values);
            progress?.Report($"kept the weights of the best held-out accuracy {bestHeldOut:F4}");
        }
        progress?.Report($"DIET trained ({Elapsed(clock)})");
        if (options.LinearWeight <= 0f)
            return model;
        var linear = (SparseIntentModel)NluTrainer.Train(data with { Examples = train },
            NluConfig.Default with { Features = options.SentenceFeatures, FallbackThreshold = 0f, Seed = options.Seed }).Intents;
        if (!linear.Vectorizer.Keys.SequenceEqual(featurizer.Sentence.Keys))
            throw new InvalidOperationException("the linear intent model's features differ from DIET's sentence features");
        progress?.Report($"linear intent model trained for the blend (weight {options.LinearWeight}) ({Elapsed(clock)})");
        return new DietModel(featurizer, network, labels, tags, model.Synonyms, new DietModel.LinearBlend(linear.Classifier, options.LinearWeight));
    }

    /// <summary>The distinct parts of multi-intent labels ("a+b" has parts a and b) and each label's part indices.</summary>
    public static (IReadOnlyList<string> Parts, int[][] PartsOf) IntentParts(IReadOnlyList<string> labels)
    {
        var parts = labels.SelectMany(l => l.Split('+')).Distinct().Order(StringComparer.Ordinal).ToList();
        return (parts, [.. labels.Select(l => l.Split('+').Select(p => parts.IndexOf(p)).Distinct().ToArray())]);
    }

    /// <summary>Rasa's evaluate_on_number_of_examples: that many examples, drawn by the seed, are held out of training.</summary>
    static (List<NluExample> Train, List<NluExample> HeldOut) Split(IReadOnlyList<NluExample> examples, int heldOut, int seed)
    {
        if (heldOut <= 0) return ([.. examples], []);
        if (heldOut >= examples.Count)
            throw new ArgumentException($"evaluate_on_number_of_examples ({heldOut}) leaves no examples to train on ({examples.Count} in all)");
        var order = Enumerable.Range(0, examples.Count).ToArray();
        new Rng((ulong)seed + 7).Shuffle(order);
        var held = order.Take(heldOut).ToHashSet();
        return ([.. examples.Where((_, i) => !held.Contains(i))], [.. examples.Where((_, i) => held.Contains(i))]);
    }

    /// <summary>Shuffled, then sorted by length within windows of <see cref="SortWindowBatches"/> batches, cut, and the batches shuffled.</summary>
    static List<int[]> Batches(Encoded[] encoded, int batchSize, Rng rng)
    {
        var order = Enumerable.Range(0, encoded.Length).ToArray();
        rng.Shuffle(order);
        int window = batchSize * SortWindowBatches;
        for (int start = 0; start < order.Length; start += window)
            Array.Sort(order, start, Math.Min(window, order.Length - start), Comparer<int>.Create((a, b) => encoded[a].Tokens.CompareTo(encoded[b].Tokens)));
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length; start += batchSize)
            batches.Add(order[start..Math.Min(order.Length, start + batchSize)]);
        var shuffled = batches.ToArray();
        rng.Shuffle(shuffled);
        return [.. shuffled];
    }

    /// <summary>The data's synonyms plus every annotated value that differs from its text, as the linear entity extractor learns them.</summary>
    static Dictionary<string, string> Synonyms(NluTrainingData data)
    {
        var synonyms = new Dictionary<string, string>(data.Synonyms.Select(p => KeyValuePair.Create(p.Key.ToLowerInvariant(), p.Value)));
        foreach (var example in data.Examples)
            foreach (var e in example.Entities)
            {
                string surface = example.Text[e.Start..e.End];
                if (e.Value != surface) synonyms.TryAdd(surface.ToLowerInvariant(), e.Value);
            }
        return synonyms;
    }

    static string Elapsed(Stopwatch clock) => $"{clock.Elapsed.TotalSeconds:F1} s";
}
