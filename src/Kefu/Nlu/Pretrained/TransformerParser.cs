using Kefu.Nlu.Entities;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A fine-tuned transformer as the NLU's intent and entity model (config.yml's TransformerClassifier): one forward
/// pass gives both, so the result of the last text is kept per thread for the entity call that follows the intent call.
/// Regex and lookup matches of annotated entity types and synonyms are applied as with Kefu's own entity extractor.
/// </summary>
public sealed class TransformerParser : IIntentModel, IEntityModel
{
    [ThreadStatic] private static (TransformerParser? Owner, string? Text, float[] Probabilities, List<(int Start, int End, int Type)> Entities) last;

    private readonly (string Entity, string? Role, string? Group)[] types;
    private readonly HashSet<string> entityNames;
    private readonly Dictionary<string, string> synonyms;

    public TransformerParser(TransformerNlu nlu, EntityPatterns? patterns, IReadOnlyDictionary<string, string> synonyms)
    {
        Nlu = nlu;
        Patterns = patterns;
        this.synonyms = synonyms.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        Synonyms = this.synonyms;
        EntityTypes = nlu.Tags?.EntityTypes ?? [];
        types = [.. EntityTypes.Select(EntityExtractor.ParseTypeKey)];
        entityNames = [.. types.Select(t => t.Entity)];
    }

    public TransformerNlu Nlu { get; }
    public EntityPatterns? Patterns { get; }
    public IReadOnlyDictionary<string, string> Synonyms { get; }
    public IReadOnlyList<string> Labels => Nlu.Intents;
    public IReadOnlyList<string> EntityTypes { get; }

    public void Probabilities(string text, Span<float> probabilities) => Predict(text).Probabilities.CopyTo(probabilities);

    public IReadOnlyList<EntitySpan> Extract(string text)
    {
        var found = Predict(text).Entities
            .Select(e => new EntitySpan(e.Start, e.End, types[e.Type].Entity, text[e.Start..e.End], types[e.Type].Role, types[e.Type].Group))
            .ToList();
        return EntityExtractor.WithPatterns(text, found, Patterns?.Matches(text) ?? [], entityNames, synonyms);
    }

    private (float[] Probabilities, List<(int Start, int End, int Type)> Entities) Predict(string text)
    {
        if (ReferenceEquals(last.Owner, this) && ReferenceEquals(last.Text, text))
            return (last.Probabilities, last.Entities);
        var prediction = Nlu.Predict(text);
        last = (this, text, prediction.Probabilities, prediction.Entities);
        return (prediction.Probabilities, prediction.Entities);
    }
}
