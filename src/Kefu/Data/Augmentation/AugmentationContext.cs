using Kefu.Nlu;

namespace Kefu.Data.Augmentation;

/// <summary>
/// What the substitution methods draw from, gathered once from the project's training data: every value seen for
/// each entity type (annotated examples plus the lookup table of the same name) and the synonym groups
/// (canonical value -> every surface form that maps to it, the canonical one included); and whether the examples are
/// written in Chinese (a tenth or more hold CJK characters), whose bots' intent names are not their language.
/// </summary>
public sealed class AugmentationContext
{
    public IReadOnlyDictionary<string, string[]> EntityValues { get; }
    public IReadOnlyList<string[]> SynonymGroups { get; }
    public bool Chinese { get; }

    public AugmentationContext(NluTrainingData data)
    {
        var values = new Dictionary<string, HashSet<string>>();
        foreach (var example in data.Examples)
            foreach (var span in example.Entities)
                Add(values, span.Entity, example.Text[span.Start..span.End]);
        foreach (var lookup in data.Lookups)
            if (values.ContainsKey(lookup.Name))        // a lookup named after no entity feeds features only
                foreach (var element in lookup.Elements) Add(values, lookup.Name, element);
        EntityValues = values.ToDictionary(kv => kv.Key, kv => kv.Value.Order(StringComparer.Ordinal).ToArray());

        SynonymGroups = data.Synonyms
            .GroupBy(kv => kv.Value, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.Select(kv => kv.Key).Append(g.Key).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray())
            .Where(g => g.Length > 1)
            .ToList();
        Chinese = data.Examples.Count(e => e.Text.Any(c => Kefu.Text.TextAnalyzer.IsCjk(c))) * 10 >= data.Examples.Count && data.Examples.Count > 0;
    }

    private static void Add(Dictionary<string, HashSet<string>> values, string entity, string value)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        if (!values.TryGetValue(entity, out var set)) values[entity] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(value.Trim());
    }
}
