using System.Numerics.Tensors;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;

namespace Kefu.Nlu;

/// <summary>
/// A trained NLU: an intent model (Kefu's sparse linear one or a fine-tuned transformer), an optional entity model,
/// the fallback threshold and retrieval intents on top. Thread-safe for parsing.
/// </summary>
public sealed class NluModel : IMessageParser
{
    [ThreadStatic] static ParseScratch? scratch;

    public NluConfig Config { get; }
    public IIntentModel Intents { get; }
    public IEntityModel? Entities { get; }
    /// <summary>Below this confidence <see cref="Parse(string)"/> answers <see cref="NluConfig.FallbackIntent"/>.</summary>
    public float FallbackThreshold { get; }
    /// <summary>config.yml's DucklingEntityExtractor (<see cref="NluConfig.Duckling"/>), or null.</summary>
    public DucklingEntityExtractor? Duckling { get; }

    public NluModel(NluConfig config, SparseVectorizer vectorizer, IntentClassifier intents,
        EntityExtractor? entities, float fallbackThreshold, DenseFeatures? dense = null, IntentParts? parts = null)
        : this(config, new SparseIntentModel(vectorizer, intents, dense, parts), entities, fallbackThreshold)
    {
    }

    public NluModel(NluConfig config, IIntentModel intents, IEntityModel? entities, float fallbackThreshold)
    {
        Config = config;
        Intents = intents;
        Entities = entities;
        FallbackThreshold = fallbackThreshold;
        Duckling = config.Duckling is { } duckling ? new DucklingEntityExtractor(duckling) : null;
        var labels = intents.Labels;
        if (labels.Any(l => l.Contains('/')))
        {
            baseLabels = [.. labels.Select(BaseIntent).Distinct()];
            baseOf = [.. labels.Select(l => Array.IndexOf(baseLabels, BaseIntent(l)))];
        }
    }

    /// <summary>
    /// Retrieval intents (Rasa's `faq/ask_price`): the classifier learns the full labels; a parse answers the base
    /// intent with the sum of its labels' probabilities, and the best full label with its share of that sum (what
    /// Rasa's ResponseSelector gives). Null when no label is a retrieval intent.
    /// </summary>
    private readonly string[]? baseLabels;
    private readonly int[]? baseOf;

    private static string BaseIntent(string label) => label.IndexOf('/') is > 0 and var slash ? label[..slash] : label;

    /// <summary>The top intent's index and calibrated confidence, before any fallback (<paramref name="context"/>: the bot's previous message).</summary>
    public (int Label, float Confidence) PredictIntent(string text, string? context = null)
    {
        var s = scratch ??= new ParseScratch();
        var probabilities = s.Probabilities(Intents.Labels.Count);
        Intents.Probabilities(text, context, probabilities);
        int best = 0;
        for (int k = 1; k < probabilities.Length; k++)
            if (probabilities[k] > probabilities[best]) best = k;
        return (best, probabilities[best]);
    }

    /// <summary>Intent, ranking and entities of one message, with <c>nlu_fallback</c> below the threshold or when ambiguous.</summary>
    public NluParse Parse(string text) => Parse(text, DateTimeOffset.UtcNow);

    /// <summary><see cref="Parse(string)"/> with Duckling's relative times counted from <paramref name="referenceTime"/>.</summary>
    public NluParse Parse(string text, DateTimeOffset referenceTime) => Parse(text, referenceTime, null);

    /// <summary>
    /// <see cref="Parse(string, DateTimeOffset)"/> knowing the bot's previous message, which a model trained with context
    /// features reads (<see cref="NluExample.Context"/>).
    /// </summary>
    public NluParse Parse(string text, DateTimeOffset referenceTime, string? context)
    {
        var s = scratch ??= new ParseScratch();
        Span<float> probabilities = s.Probabilities(Intents.Labels.Count);
        Intents.Probabilities(text, context, probabilities);
        IReadOnlyList<string> labels = Intents.Labels;
        IntentPrediction? retrieval = null;
        if (baseOf is not null)
        {
            var full = probabilities;
            probabilities = s.BaseProbabilities(baseLabels!.Length);
            probabilities.Clear();
            for (int k = 0; k < full.Length; k++) probabilities[baseOf[k]] += full[k];
            int winner = TensorPrimitives.IndexOfMax((ReadOnlySpan<float>)probabilities);
            int best = -1;
            for (int k = 0; k < full.Length; k++)
                if (baseOf[k] == winner && labels[k].Contains('/') && (best < 0 || full[k] > full[best])) best = k;
            if (best >= 0) retrieval = new IntentPrediction(labels[best], full[best] / probabilities[winner]);
            labels = baseLabels;
        }
        var order = s.Order(probabilities.Length);
        for (int k = 0; k < order.Length; k++) order[k] = k;
        var keys = s.SortKeys(probabilities.Length);
        for (int k = 0; k < keys.Length; k++) keys[k] = -probabilities[k];
        keys.Sort(order);

        int length = Math.Min(Config.RankingLength, order.Length);
        var top = new IntentPrediction(labels[order[0]], probabilities[order[0]]);
        bool ambiguous = order.Length > 1 && top.Confidence - probabilities[order[1]] < Config.AmbiguityThreshold;
        int first = top.Confidence < FallbackThreshold || ambiguous ? 1 : 0;
        var ranking = new IntentPrediction[first + length];
        for (int k = 0; k < length; k++)
            ranking[first + k] = new IntentPrediction(labels[order[k]], probabilities[order[k]]);
        if (first == 1)
        {
            ranking[0] = top = new IntentPrediction(NluConfig.FallbackIntent, FallbackThreshold);
            retrieval = null;
        }
        var entities = Entities?.Extract(text) ?? [];
        if (Duckling is { } duckling) entities = duckling.Merge(entities, duckling.Extract(text, referenceTime));
        return new NluParse(text, top, ranking, entities, retrieval);
    }

    sealed class ParseScratch
    {
        float[] probabilities = [];
        float[] sortKeys = [];
        int[] order = [];
        float[] baseProbabilities = [];
        public Span<float> Probabilities(int n) => Grow(ref probabilities, n);
        public Span<float> BaseProbabilities(int n) => Grow(ref baseProbabilities, n);
        public Span<float> SortKeys(int n) => Grow(ref sortKeys, n);
        public Span<int> Order(int n) => Grow(ref order, n);

        static Span<T> Grow<T>(ref T[] buffer, int n)
        {
            if (buffer.Length < n) buffer = new T[n];
            return buffer.AsSpan(0, n);
        }
    }
}

/// <summary>Intent probabilities of a text: the sparse linear classifier or a fine-tuned transformer. Thread-safe.</summary>
public interface IIntentModel
{
    IReadOnlyList<string> Labels { get; }

    /// <summary>Writes a probability per label (summing to 1) into <paramref name="probabilities"/> [K].</summary>
    void Probabilities(string text, Span<float> probabilities);

    /// <summary>
    /// <see cref="Probabilities(string, Span{float})"/> knowing what the bot said before (<see cref="NluExample.Context"/>);
    /// models without context features ignore it.
    /// </summary>
    void Probabilities(string text, string? context, Span<float> probabilities) => Probabilities(text, probabilities);
}

/// <summary>Entities of a text, with synonyms mapped. Thread-safe.</summary>
public interface IEntityModel
{
    /// <summary>Entity type keys (<see cref="EntityExtractor.TypeKey"/>) the model tags.</summary>
    IReadOnlyList<string> EntityTypes { get; }

    IReadOnlyList<EntitySpan> Extract(string text);
}

/// <summary>
/// Kefu's own intent model: hashed n-gram features [F] and, with <paramref name="dense"/>, a language model's sentence
/// embedding [D] as columns F.., scored by one-vs-rest linear SVMs with a calibrated softmax; with
/// <paramref name="parts"/>, the SVMs' classes are the parts of multi-intent labels, and the labels are scored from them.
/// </summary>
public sealed class SparseIntentModel(SparseVectorizer vectorizer, IntentClassifier classifier, DenseFeatures? dense = null,
    IntentParts? parts = null) : IIntentModel
{
    [ThreadStatic] static VectorizerScratch? scratch;
    [ThreadStatic] static float[]? partScores;

    public SparseVectorizer Vectorizer { get; } = vectorizer;
    public IntentClassifier Classifier { get; } = classifier;
    public DenseFeatures? Dense { get; } = dense;
    public IntentParts? Parts { get; } = parts;
    public IReadOnlyList<string> Labels => Parts?.Labels ?? Classifier.Labels;

    public void Probabilities(string text, Span<float> probabilities) => Probabilities(text, null, probabilities);

    public void Probabilities(string text, string? context, Span<float> probabilities)
    {
        if (Parts is null)
        {
            Scores(text, context, probabilities);
            IntentClassifier.Softmax(probabilities, Classifier.Temperature);
            return;
        }
        var scores = PartScores(text, context);
        Parts.LabelProbabilities(scores, probabilities);
    }

    /// <summary>p [P] of each part of multi-intent labels (<see cref="Parts"/> must be set).</summary>
    public void PartProbabilities(string text, string? context, Span<float> probabilities)
    {
        if (Parts is null) throw new InvalidOperationException("the model learnt whole labels, not their parts");
        Parts.PartProbabilities(PartScores(text, context), probabilities);
    }

    Span<float> PartScores(string text, string? context)
    {
        int p = Classifier.Labels.Count;
        if (partScores is null || partScores.Length < p) partScores = new float[p];
        var scores = partScores.AsSpan(0, p);
        Scores(text, context, scores);
        return scores;
    }

    /// <summary>The SVMs' margins [C] (C: labels, or parts).</summary>
    void Scores(string text, string? context, Span<float> scores)
    {
        var s = scratch ??= new VectorizerScratch();
        int n = Vectorizer.Transform(text, context, s);
        Classifier.Scores(s.Columns.AsSpan(0, n), s.Values.AsSpan(0, n), scores);
        if (Dense is not null)
            Classifier.AddDenseScores(Vectorizer.FeatureCount, Dense.Features(text), scores);
    }
}
