using System.Numerics.Tensors;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics;

namespace Kefu.Nlu.Diet;

/// <summary>
/// A trained DIET: featurizer, network, intent labels and entity tags. Intent probabilities and entities of a text come
/// from one forward pass, so the last text's result is kept per thread for the entity call that follows the intent call
/// (as <see cref="TransformerParser"/> does). Regex and lookup entities and synonyms are applied as the linear NLU's
/// entity extractor applies them. Thread-safe.
/// </summary>
public sealed class DietModel : IIntentModel, IEntityModel
{
    [ThreadStatic] static InferenceScratch? scratch;

    readonly (string Entity, string? Role, string? Group)[] types;
    readonly HashSet<string> entityNames;
    readonly Dictionary<string, string> synonyms;

    public DietModel(DietFeaturizer featurizer, DietNetwork network, IReadOnlyList<string> intents, EntityTagSet? tags,
        IReadOnlyDictionary<string, string> synonyms, LinearBlend? linear = null)
    {
        if (linear is not null && (linear.Classifier.FeatureCount != featurizer.Sentence.FeatureCount || !linear.Classifier.Labels.SequenceEqual(intents)))
            throw new ArgumentException("the linear intent model must score the sentence features and the intents of the DIET model");
        Linear = linear;
        Featurizer = featurizer;
        Network = network;
        Labels = intents;
        Tags = tags;
        this.synonyms = synonyms.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        EntityTypes = tags?.EntityTypes ?? [];
        types = [.. EntityTypes.Select(EntityExtractor.ParseTypeKey)];
        entityNames = [.. types.Select(t => t.Entity)];
    }

    /// <summary>
    /// Kefu's linear intent model on the same sentence features, whose calibrated probabilities are mixed into DIET's
    /// with <see cref="LinearBlend.Weight"/> (the two err on different messages; docs/benchmarks.md measures it).
    /// </summary>
    public LinearBlend? Linear { get; }
    public DietFeaturizer Featurizer { get; }
    public DietNetwork Network { get; }
    public IReadOnlyList<string> Labels { get; }
    public EntityTagSet? Tags { get; }
    public IReadOnlyList<string> EntityTypes { get; }
    public IReadOnlyDictionary<string, string> Synonyms => synonyms;

    public void Probabilities(string text, Span<float> probabilities) => Predict(text).Probabilities.CopyTo(probabilities);

    public IReadOnlyList<EntitySpan> Extract(string text)
    {
        var found = Predict(text).Entities
            .Select(e => new EntitySpan(e.Start, e.End, types[e.Type].Entity, text[e.Start..e.End], types[e.Type].Role, types[e.Type].Group))
            .ToList();
        return EntityExtractor.WithPatterns(text, found, Featurizer.Patterns?.Matches(text) ?? [], entityNames, synonyms);
    }

    /// <summary>Intent probabilities [K] and entities (character spans with their type index) of one text.</summary>
    public (float[] Probabilities, List<(int Start, int End, int Type)> Entities) Predict(string text)
    {
        var s = scratch ??= new InferenceScratch();
        long version = Network.Parameters.Version + Network.InputParameters.Version; // weights move while training evaluates
        if (ReferenceEquals(s.Owner, this) && ReferenceEquals(s.Text, text) && s.Version == version)
            return (s.Probabilities!, s.Entities!);
        s.Rows.Clear();
        var spans = Featurizer.Featurize(text, s.Rows);
        int time = 1 + spans.Length;
        var positions = new int[time];
        for (int t = 0; t < time; t++) positions[t] = t;
        var g = s.Graph;
        g.Reset();
        var mask = g.NewTensor(new Shape(1, time));
        mask.Span.Fill(1f);
        s.Input.Reset(time, Featurizer.ColumnCount, s.Rows.RowStarts, s.Rows.Columns, s.Rows.Values);
        var (logits, tagLogits) = Network.Forward(g, s.Input, positions, mask, 1, time);
        var probabilities = new float[Labels.Count];
        SoftmaxOp.Forward(logits.Span, probabilities, 1, probabilities.Length);
        if (Linear is { } linear)
        {
            var rows = s.Rows; // row 0: the sentence's TF-IDF vector
            var linearProbabilities = s.Linear(probabilities.Length);
            linear.Classifier.Probabilities(rows.Columns.AsSpan(0, rows.RowStarts[1]), rows.Values.AsSpan(0, rows.RowStarts[1]), linearProbabilities);
            for (int k = 0; k < probabilities.Length; k++)
                probabilities[k] = (1f - linear.Weight) * probabilities[k] + linear.Weight * linearProbabilities[k];
        }

        var entities = new List<(int, int, int)>();
        if (Tags is { } tags && tagLogits is not null && spans.Length > 0)
        {
            int l = tags.Count;
            var emissions = tagLogits.Span.Slice(l, spans.Length * l); // token rows 1..T
            var path = new int[spans.Length];
            if (Network.Crf is { } crf)
                crf.Decode(emissions, spans.Length, path);
            else
                for (int i = 0; i < spans.Length; i++) path[i] = TensorPrimitives.IndexOfMax(emissions.Slice(i * l, l));
            foreach (var (first, last, type) in tags.Decode(path))
                entities.Add((spans[first].Start, spans[last].End, type));
        }
        (s.Owner, s.Text, s.Version, s.Probabilities, s.Entities) = (this, text, version, probabilities, entities);
        return (probabilities, entities);
    }

    /// <summary>A linear intent model and the share of its probabilities in the blend.</summary>
    public sealed record LinearBlend(Intents.IntentClassifier Classifier, float Weight);

    sealed class InferenceScratch
    {
        public readonly Graph Graph = new(recordTape: false);
        public readonly SparseRows Rows = new();
        public readonly CsrMatrix Input = new(0, 0, [0], [], []);
        public DietModel? Owner;
        public string? Text;
        public long Version;
        public float[]? Probabilities;
        public List<(int, int, int)>? Entities;
        float[] linear = [];

        public Span<float> Linear(int n)
        {
            if (linear.Length < n) linear = new float[n];
            return linear.AsSpan(0, n);
        }
    }
}
