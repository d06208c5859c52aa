using Kefu.Numerics.Ops;
using Kefu.Text;

namespace Kefu.Nlu.Entities;

/// <summary>CRF training: at most <paramref name="Epochs"/> passes, fewer once the mean loss per sequence changes by less than <paramref name="Tolerance"/>.</summary>
/// <summary>
/// The CRF's training settings. <paramref name="SentenceFeatures"/>: every token also gets the message's words and CJK
/// bigrams (<see cref="EntityFeatures.EmitSentence"/>; CRFEntityExtractor's Kefu option sentence_features).
/// </summary>
public sealed record CrfOptions(int Epochs = 30, float LearningRate = 0.1f, float L2 = 1e-6f, float Tolerance = 1e-3f,
    bool SentenceFeatures = false);

/// <summary>
/// Entities of a message: a linear-chain CRF over tokens with BILOU tags, plus matches of regexes and
/// lookup tables named after an entity type, then synonyms map each value to its canonical form.
/// Tags: 0 is O; entity type e has B = 1 + 4e, I = 2 + 4e, L = 3 + 4e, U = 4 + 4e.
/// Thread-safe for extraction.
/// </summary>
public sealed class EntityExtractor : IEntityModel
{
    [ThreadStatic] static Scratch? scratch;

    readonly Dictionary<ulong, int> columns;
    readonly ulong[] keys;          // [F] column -> feature key
    readonly float[] emissions;     // [F, K]
    readonly float[] transitions;   // [K, K]
    readonly float[] start;         // [K]
    readonly float[] end;           // [K]
    readonly Dictionary<string, string> synonyms;

    public IReadOnlyList<string> EntityTypes { get; }
    public EntityPatterns Patterns { get; }
    public IReadOnlyDictionary<string, string> Synonyms => synonyms;
    public int TagCount => 1 + 4 * EntityTypes.Count;
    public ReadOnlySpan<ulong> Keys => keys;
    public ReadOnlySpan<float> Emissions => emissions;
    public ReadOnlySpan<float> Transitions => transitions;
    public ReadOnlySpan<float> Start => start;
    public ReadOnlySpan<float> End => end;
    /// <summary>Every token also has the message's words and bigrams as features (<see cref="CrfOptions.SentenceFeatures"/>).</summary>
    public bool SentenceFeatures { get; }

    /// <summary>
    /// The CRF's entity types are the annotated (entity, role, group) triples, as <see cref="TypeKey"/> writes them: a
    /// role or group is one more type to tag, as Rasa's DIET learns them beside the entity (`[上海]{"entity": "city",
    /// "role": "destination"}`).
    /// </summary>
    public static string TypeKey(EntitySpan e) =>
        e.Role is null && e.Group is null ? e.Entity : $"{e.Entity}#role:{e.Role}#group:{e.Group}";

    /// <summary>A type key as a person reads it: "city (role departure)".</summary>
    public static string Describe(string key) => ParseTypeKey(key) switch
    {
        (var entity, null, null) => entity,
        (var entity, var role, null) => $"{entity} (role {role})",
        (var entity, null, var group) => $"{entity} (group {group})",
        var (entity, role, group) => $"{entity} (role {role}, group {group})",
    };

    /// <summary>The (entity, role, group) a <see cref="TypeKey"/> names.</summary>
    public static (string Entity, string? Role, string? Group) ParseTypeKey(string key)
    {
        int r = key.IndexOf("#role:", StringComparison.Ordinal);
        if (r < 0) return (key, null, null);
        int g = key.IndexOf("#group:", r, StringComparison.Ordinal);
        string role = key[(r + 6)..g], group = key[(g + 7)..];
        return (key[..r], role.Length == 0 ? null : role, group.Length == 0 ? null : group);
    }

    readonly (string Entity, string? Role, string? Group)[] types;
    readonly HashSet<string> entityNames;

    public EntityExtractor(IReadOnlyList<string> entityTypes, ulong[] keys, float[] emissions, float[] transitions,
        float[] start, float[] end, EntityPatterns patterns, IReadOnlyDictionary<string, string> synonyms, bool sentenceFeatures = false)
    {
        SentenceFeatures = sentenceFeatures;
        EntityTypes = entityTypes;
        types = [.. entityTypes.Select(ParseTypeKey)];
        entityNames = [.. types.Select(t => t.Entity)];
        int k = TagCount;
        if (emissions.Length != keys.Length * k || transitions.Length != k * k || start.Length != k || end.Length != k)
            throw new ArgumentException($"CRF parameters do not fit {keys.Length} features and {k} tags");
        this.keys = keys;
        this.emissions = emissions;
        this.transitions = transitions;
        this.start = start;
        this.end = end;
        Patterns = patterns;
        this.synonyms = synonyms.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        columns = new Dictionary<ulong, int>(keys.Length);
        for (int i = 0; i < keys.Length; i++) columns[keys[i]] = i;
    }

    public IReadOnlyList<EntitySpan> Extract(string text)
    {
        var s = scratch ??= new Scratch();
        var analyzer = s.Analyzer;
        analyzer.Analyze(text);
        var matches = Patterns.Matches(text);
        var found = new List<EntitySpan>();
        int length = analyzer.TokenCount, k = TagCount;
        if (length > 0 && EntityTypes.Count > 0)
        {
            var scores = s.Emissions(length * k);
            scores.Clear();
            if (SentenceFeatures) EntityFeatures.EmitSentence(analyzer, s.SentenceKeys);
            for (int t = 0; t < length; t++)
            {
                s.Keys.Clear();
                EntityFeatures.Emit(analyzer, text, t, matches, s.Keys);
                if (SentenceFeatures) s.Keys.AddRange(s.SentenceKeys);
                var row = scores.Slice(t * k, k);
                foreach (ulong key in s.Keys)
                    if (columns.TryGetValue(key, out int col))
                        System.Numerics.Tensors.TensorPrimitives.Add(row, emissions.AsSpan(col * k, k), row);
            }
            var path = s.Path(length);
            LinearChainCrf.Viterbi(scores, transitions, start, end, length, k, path);
            foreach (var (first, last, type) in BilouTags.Decode(path, EntityTypes.Count))
            {
                int from = analyzer.Tokens[first].Start, to = analyzer.Tokens[last].End;
                found.Add(new EntitySpan(from, to, types[type].Entity, text[from..to], types[type].Role, types[type].Group));
            }
        }
        return WithPatterns(text, found, matches, entityNames, synonyms);
    }

    /// <summary>
    /// Adds the regex and lookup matches of annotated entity types where no model span overlaps them (as Rasa, only
    /// patterns named after an annotated entity extract), maps synonyms, and orders the spans by start.
    /// </summary>
    internal static IReadOnlyList<EntitySpan> WithPatterns(string text, List<EntitySpan> found,
        IEnumerable<(string Name, int From, int To)> matches, IReadOnlySet<string> entityNames, IReadOnlyDictionary<string, string> synonyms)
    {
        foreach (var (name, from, to) in matches)
        {
            if (!entityNames.Contains(name)) continue;
            if (found.Any(e => e.Start < to && from < e.End)) continue;
            found.Add(new EntitySpan(from, to, name, text[from..to]));
        }
        if (found.Count == 0) return [];   // the parse outlives the turn in the conversation's events: no empty list to keep
        for (int i = 0; i < found.Count; i++)
        {
            var e = found[i];
            if (synonyms.TryGetValue(e.Value.ToLowerInvariant(), out var canonical))
                found[i] = e with { Value = canonical };
        }
        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    sealed class Scratch
    {
        float[] emissions = new float[256];
        int[] path = new int[64];
        public TextAnalyzer Analyzer { get; } = new();
        public List<ulong> Keys { get; } = new(64);
        public List<ulong> SentenceKeys { get; } = new(64);
        public Span<float> Emissions(int n) { if (emissions.Length < n) emissions = new float[n * 2]; return emissions.AsSpan(0, n); }
        public Span<int> Path(int n) { if (path.Length < n) path = new int[n * 2]; return path.AsSpan(0, n); }
    }
}

/// <summary>BILOU tag arithmetic: 0 is O; entity type e has B = 1 + 4e, I = 2 + 4e, L = 3 + 4e, U = 4 + 4e.</summary>
internal static class BilouTags
{
    public const int Outside = 0;
    public static int Begin(int type) => 1 + 4 * type;
    public static int Inside(int type) => 2 + 4 * type;
    public static int Last(int type) => 3 + 4 * type;
    public static int Unit(int type) => 4 + 4 * type;

    /// <summary>
    /// Token ranges [first, last] with their entity type. Lenient: an I or L without its B still opens an
    /// entity, and a B or I followed by anything else closes one, so no tagged token is lost.
    /// </summary>
    public static List<(int First, int Last, int Type)> Decode(ReadOnlySpan<int> tags, int typeCount)
    {
        var spans = new List<(int, int, int)>();
        int open = -1, openType = -1;
        for (int t = 0; t < tags.Length; t++)
        {
            int tag = tags[t];
            if (tag == Outside || tag > 4 * typeCount)
            {
                if (open >= 0) spans.Add((open, t - 1, openType));
                open = -1;
                continue;
            }
            int type = (tag - 1) / 4, part = (tag - 1) % 4; // 0 B, 1 I, 2 L, 3 U
            bool continues = open >= 0 && openType == type && part is 1 or 2;
            if (!continues && open >= 0) spans.Add((open, t - 1, openType));
            if (!continues) { open = t; openType = type; }
            if (part is 2 or 3)
            {
                spans.Add((open, t, type));
                open = -1;
            }
        }
        if (open >= 0) spans.Add((open, tags.Length - 1, openType));
        return spans;
    }
}
