using System.Numerics.Tensors;
using Kefu.Numerics.Ops;
using Kefu.Text;

namespace Kefu.Nlu.Entities;

/// <summary>
/// Fits the entity CRF by AdaGrad on the negative log-likelihood, one example at a time in a seeded
/// order, updating only the emission rows an example touches (features are sparse), with L2 decay on them.
/// </summary>
public static class EntityTrainer
{
    sealed record Sequence(int[] TokenFeatureStart, int[] Columns, int[] Tags);

    public static EntityExtractor Train(NluTrainingData data, CrfOptions options, int seed)
    {
        var types = data.Examples.SelectMany(e => e.Entities).Select(EntityExtractor.TypeKey).Distinct().Order(StringComparer.Ordinal).ToArray();
        var typeIndex = types.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var patterns = new EntityPatterns(data.Regexes, data.Lookups);
        var synonyms = new Dictionary<string, string>(data.Synonyms.Select(p => KeyValuePair.Create(p.Key.ToLowerInvariant(), p.Value)));
        foreach (var example in data.Examples)
            foreach (var e in example.Entities)
            {
                string surface = example.Text[e.Start..e.End];
                if (e.Value != surface) synonyms.TryAdd(surface.ToLowerInvariant(), e.Value);
            }

        int k = 1 + 4 * types.Length;
        var vocabulary = new Dictionary<ulong, int>();
        var sequences = new List<Sequence>();
        var analyzer = new TextAnalyzer();
        var keyBuffer = new List<ulong>();
        var sentenceKeys = new List<ulong>();
        foreach (var example in data.Examples)
        {
            analyzer.Analyze(example.Text);
            if (analyzer.TokenCount == 0) continue;
            var matches = patterns.Matches(example.Text);
            var starts = new int[analyzer.TokenCount + 1];
            var cols = new List<int>();
            if (options.SentenceFeatures) EntityFeatures.EmitSentence(analyzer, sentenceKeys);
            for (int t = 0; t < analyzer.TokenCount; t++)
            {
                keyBuffer.Clear();
                EntityFeatures.Emit(analyzer, example.Text, t, matches, keyBuffer);
                if (options.SentenceFeatures) keyBuffer.AddRange(sentenceKeys);
                foreach (ulong key in keyBuffer)
                {
                    if (!vocabulary.TryGetValue(key, out int col)) vocabulary[key] = col = vocabulary.Count;
                    cols.Add(col);
                }
                starts[t + 1] = cols.Count;
            }
            sequences.Add(new Sequence(starts, cols.ToArray(), GoldTags(analyzer.Tokens, example.Entities, typeIndex)));
        }

        var keys = new ulong[vocabulary.Count];
        foreach (var (key, col) in vocabulary) keys[col] = key;
        var w = new float[keys.Length * k];
        var trans = new float[k * k];
        var startScores = new float[k];
        var endScores = new float[k];
        if (types.Length > 0)
            Fit(sequences, k, w, trans, startScores, endScores, options, seed);
        return new EntityExtractor(types, keys, w, trans, startScores, endScores, patterns, synonyms, options.SentenceFeatures);
    }

    /// <summary>BILOU tag per token: tokens overlapping an entity span take its tags, the first span winning.</summary>
    static int[] GoldTags(ReadOnlySpan<TokenSpan> tokens, IReadOnlyList<EntitySpan> entities, Dictionary<string, int> typeIndex)
    {
        var tags = new int[tokens.Length];
        foreach (var e in entities)
        {
            int first = -1, last = -1;
            for (int t = 0; t < tokens.Length; t++)
                if (tokens[t].Start < e.End && e.Start < tokens[t].End && tags[t] == BilouTags.Outside)
                {
                    if (first < 0) first = t;
                    last = t;
                }
            if (first < 0) continue;
            int type = typeIndex[EntityExtractor.TypeKey(e)];
            if (first == last) { tags[first] = BilouTags.Unit(type); continue; }
            tags[first] = BilouTags.Begin(type);
            for (int t = first + 1; t < last; t++) tags[t] = BilouTags.Inside(type);
            tags[last] = BilouTags.Last(type);
        }
        return tags;
    }

    static void Fit(List<Sequence> sequences, int k, float[] w, float[] trans, float[] start, float[] end,
        CrfOptions options, int seed)
    {
        const float epsilon = 1e-8f;
        var g2W = new float[w.Length];
        var g2Trans = new float[trans.Length];
        var g2Start = new float[k];
        var g2End = new float[k];
        var gradW = new float[w.Length];
        var gradTrans = new float[trans.Length];
        var gradStart = new float[k];
        var gradEnd = new float[k];
        var order = Enumerable.Range(0, sequences.Count).ToArray();
        var random = new Random(seed);
        var touched = new HashSet<int>();
        double previousLoss = double.PositiveInfinity;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double loss = 0;
            foreach (int index in order)
            {
                var seq = sequences[index];
                int length = seq.Tags.Length;
                var emissions = new float[length * k];
                for (int t = 0; t < length; t++)
                    for (int f = seq.TokenFeatureStart[t]; f < seq.TokenFeatureStart[t + 1]; f++)
                    {
                        int col = seq.Columns[f];
                        var row = emissions.AsSpan(t * k, k);
                        TensorPrimitives.Add(row, w.AsSpan(col * k, k), row);
                    }
                var gradEmissions = new float[length * k];
                loss += LinearChainCrf.NegativeLogLikelihood(emissions, trans, start, end, seq.Tags, k,
                    gradEmissions, gradTrans, gradStart, gradEnd);

                touched.Clear();
                for (int t = 0; t < length; t++)
                    for (int f = seq.TokenFeatureStart[t]; f < seq.TokenFeatureStart[t + 1]; f++)
                    {
                        int col = seq.Columns[f];
                        touched.Add(col);
                        var row = gradW.AsSpan(col * k, k);
                        TensorPrimitives.Add(row, gradEmissions.AsSpan(t * k, k), row);
                    }
                foreach (int col in touched)
                    AdaGrad(w.AsSpan(col * k, k), gradW.AsSpan(col * k, k), g2W.AsSpan(col * k, k), options, epsilon);
                AdaGrad(trans, gradTrans, g2Trans, options, epsilon);
                AdaGrad(start, gradStart, g2Start, options, epsilon);
                AdaGrad(end, gradEnd, g2End, options, epsilon);
            }
            // converged: the epoch's mean loss per sequence moved by less than the tolerance
            loss /= Math.Max(1, sequences.Count);
            if (Math.Abs(previousLoss - loss) < options.Tolerance) break;
            previousLoss = loss;
        }
    }

    /// <summary>
    /// One AdaGrad step with L2 decay on <paramref name="weights"/>; clears the gradient. Per element:
    ///   g = gradient + L2·w;  squares += g²;  w −= lr·g / (√squares + ε)
    /// (the loop below is the scalar reference; <see cref="AdaGradVectorized"/> runs it for rows of more than a few tags).
    /// </summary>
    static void AdaGrad(Span<float> weights, Span<float> gradient, Span<float> squares, CrfOptions options, float epsilon)
    {
        if (weights.Length >= 16)
        {
            AdaGradVectorized(weights, gradient, squares, options, epsilon);
            return;
        }
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i] + options.L2 * weights[i];
            squares[i] += g * g;
            weights[i] -= options.LearningRate * g / (MathF.Sqrt(squares[i]) + epsilon);
            gradient[i] = 0f;
        }
    }

    [ThreadStatic] static float[]? adaGradScratch;

    static void AdaGradVectorized(Span<float> weights, Span<float> gradient, Span<float> squares, CrfOptions options, float epsilon)
    {
        int n = weights.Length;
        if (adaGradScratch is null || adaGradScratch.Length < n) adaGradScratch = new float[Math.Max(n, 256)];
        var step = adaGradScratch.AsSpan(0, n);
        TensorPrimitives.MultiplyAdd(weights, options.L2, gradient, gradient);   // g
        TensorPrimitives.MultiplyAdd(gradient, gradient, squares, squares);      // squares += g²
        TensorPrimitives.Sqrt(squares, step);
        TensorPrimitives.Add(step, epsilon, step);
        TensorPrimitives.Divide(gradient, step, step);
        TensorPrimitives.MultiplyAdd(step, -options.LearningRate, weights, weights);
        gradient.Clear();
    }
}
