using System.Text.RegularExpressions;

namespace Kefu.Knowledge.Graph;

/// <summary>A mention of a graph entity in a text: [Start, End) and the entities the alias names (a name may be of several types).</summary>
public sealed record EntityMention(int Start, int End, string Alias, IReadOnlyList<string> EntityIds, float Score);

/// <summary>
/// Finds graph entities in a text. Aliases: each name, the name without a bracketed part (护国寺小吃店（护国寺总店） →
/// 护国寺小吃店), "X站" for "X地铁站", and synonyms given (an NLU's entity synonyms, a synonyms file). Exact: the longest
/// aliases found left to right, non-overlapping. Fuzzy (no exact match): character bigrams shared with the text over the
/// alias's bigrams, at least <see cref="FuzzyThreshold"/> and two bigrams (故宫博物馆 → 故宫博物院, 天坛公园 → 天坛).
/// Lower-case and full-width folding via Kefu's normalizer. Immutable; thread-safe.
/// </summary>
public sealed partial class EntityLinker
{
    public const float FuzzyThreshold = 0.6f;
    readonly Dictionary<string, List<string>> aliases = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<string>> bigramAliases = new(StringComparer.Ordinal);
    readonly int maxLength;

    public EntityLinker(IEnumerable<(string Id, string Type, string Name)> entities, IEnumerable<(string Alias, string Name)>? synonyms = null)
    {
        var byName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var all = entities.ToList();
        foreach (var (id, _, name) in all)
        {
            (byName.TryGetValue(name, out var l) ? l : byName[name] = []).Add(id);
            Add(name, id);
        }
        // Short forms after every full name, so that an entity named 北京全聚德 comes before 北京全聚德(王府井店)'s short form.
        foreach (var (id, _, name) in all)
            foreach (var alias in AliasesOf(name).Skip(1)) Add(alias, id);
        foreach (var (alias, name) in synonyms ?? [])
            if (byName.TryGetValue(name, out var ids)) foreach (var id in ids) Add(alias, id);
        foreach (var alias in aliases.Keys)
            foreach (var b in Bigrams(alias).Distinct())
                (bigramAliases.TryGetValue(b, out var l) ? l : bigramAliases[b] = []).Add(alias);
        maxLength = aliases.Keys.Select(a => a.Length).DefaultIfEmpty(0).Max();
    }

    public static EntityLinker From(IGraphStore store, IEnumerable<(string Alias, string Name)>? synonyms = null) => new(store.Names(), synonyms);

    void Add(string alias, string id)
    {
        var key = Fold(alias);
        if (key.Length < 2) return;
        var ids = aliases.TryGetValue(key, out var l) ? l : aliases[key] = [];
        if (!ids.Contains(id)) ids.Add(id);
    }

    static IEnumerable<string> AliasesOf(string name)
    {
        yield return name;
        var bare = BracketRegex().Replace(name, "").Trim();
        if (bare.Length >= 2 && bare != name) yield return bare;
        if (name.EndsWith("地铁站", StringComparison.Ordinal) && name.Length > 4) yield return name[..^3] + "站";
    }

    static string Fold(string text) => Text.Tokenizer.Normalize(text);

    static IEnumerable<string> Bigrams(string s)
    {
        for (int i = 0; i + 1 < s.Length; i++) yield return s.Substring(i, 2);
    }

    /// <summary>Exact mentions, longest first at each position; offsets into the normalized text (same length for Chinese).</summary>
    public IReadOnlyList<EntityMention> Exact(string text)
    {
        var folded = Fold(text);
        var found = new List<EntityMention>();
        for (int i = 0; i < folded.Length;)
        {
            int step = 1;
            for (int len = Math.Min(maxLength, folded.Length - i); len >= 2; len--)
                if (aliases.TryGetValue(folded.Substring(i, len), out var ids))
                {
                    found.Add(new EntityMention(i, i + len, folded.Substring(i, len), ids, 1f));
                    step = len;
                    break;
                }
            i += step;
        }
        return found;
    }

    /// <summary>The best fuzzy mention of any alias in the text, or null below the threshold.</summary>
    public EntityMention? Fuzzy(string text)
    {
        var folded = Fold(text);
        var textBigrams = Bigrams(folded).ToHashSet(StringComparer.Ordinal);
        var hits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var b in textBigrams)
            if (bigramAliases.TryGetValue(b, out var list))
                foreach (var a in list) hits[a] = hits.GetValueOrDefault(a) + 1;
        EntityMention? best = null;
        foreach (var (alias, shared) in hits)
        {
            int total = Bigrams(alias).Distinct().Count();
            float score = (float)shared / total;
            if (shared < 2 || score < FuzzyThreshold) continue;
            if (best is null || score > best.Score || (score == best.Score && alias.Length > best.Alias.Length))
            {
                var (start, end) = Span(folded, alias);
                best = new EntityMention(start, end, alias, aliases[alias], score);
            }
        }
        return best;
    }

    /// <summary>Exact mentions, else the fuzzy one.</summary>
    public IReadOnlyList<EntityMention> Link(string text) =>
        Exact(text) is { Count: > 0 } exact ? exact : Fuzzy(text) is { } f ? [f] : [];

    /// <summary>The text's span that covers the alias's bigrams found in it (first to last), for removing the mention.</summary>
    static (int, int) Span(string text, string alias)
    {
        int start = -1, end = -1;
        foreach (var b in Bigrams(alias).Distinct())
            for (int at = text.IndexOf(b, StringComparison.Ordinal); at >= 0; at = text.IndexOf(b, at + 1, StringComparison.Ordinal))
            {
                start = start < 0 ? at : Math.Min(start, at);
                end = Math.Max(end, at + 2);
            }
        return (Math.Max(0, start), Math.Max(0, end));
    }

    [GeneratedRegex(@"[（(][^）)]*[）)]")] private static partial Regex BracketRegex();
}
