using System.Numerics.Tensors;
using System.Security.Cryptography;

namespace Kefu.Knowledge;

/// <summary>A sentence encoder for dense retrieval: L2-normalized vectors, so a dot product is the cosine.</summary>
public interface ITextEncoder
{
    /// <summary>What identifies the vectors (the model folder's name and size): stored vectors from another encoder are recomputed.</summary>
    string Id { get; }
    float[][] Embed(IReadOnlyList<string> texts);
}

/// <summary>
/// One indexed file: its content hash, its passages and, per retrieval unit, the passage it belongs to, the unit's term
/// counts and (with an encoder) its embedding. Units: each phrasing of an FAQ entry, and each document passage (title and
/// text). The answer of an FAQ entry is not a unit: paraphrases resemble questions, not answers.
/// </summary>
public sealed record IndexedSource(string Source, string Hash, IReadOnlyList<Passage> Passages,
    IReadOnlyList<int> UnitPassage, IReadOnlyList<IReadOnlyDictionary<string, int>> UnitTerms, IReadOnlyList<float[]>? UnitVectors);

/// <summary>A search's answer for a bot: the passage when confident, else the candidates to offer as "did you mean" buttons.</summary>
public sealed record KbAnswer(RetrievedPassage? Best, IReadOnlyList<RetrievedPassage> Candidates, float Threshold);

/// <summary>
/// FAQ entries and document passages, searched with BM25 and, when an encoder is configured, dense similarity fused
/// with it; the order of FAQ entries also counts the probability an intent classifier trained on the FAQ gives them
/// (<see cref="FaqClassifier"/>, <see cref="ClassifierWeight"/>). Incremental: <see cref="Update"/> re-analyzes only
/// files whose content hash changed and rebuilds the inverted index from the stored term vectors; <see cref="KnowledgeIndexFile"/> keeps everything beside the model, so
/// a server loads it without analyzing any text. Search is thread-safe; Update and Search must not overlap.
/// </summary>
public sealed class KnowledgeBase
{
    readonly Dictionary<string, IndexedSource> sources = new(StringComparer.Ordinal);
    List<(Passage Passage, string Unit, float Weight)> units = [];

    /// <summary>
    /// An FAQ entry's phrasings and answer together are one more unit, scored at this weight: it lets words of the
    /// answer count (学生证 for 学生票) without outranking a phrasing that matches.
    /// </summary>
    public const float EntryUnitWeight = AnswerWeightValue;
    internal const float AnswerWeightValue = 0.5f;
    float[][] vectors = [];
    Bm25Index bm25 = new([]);
    FaqClassifier? classifier;

    /// <param name="classifierWeight">
    /// The weight of <see cref="FaqClassifier"/>'s probability in an FAQ entry's score, which orders the results, not in its
    /// confidence (0: none); null: <see cref="DefaultClassifierWeight"/> without an encoder, none with one.
    /// </param>
    public KnowledgeBase(ITextEncoder? encoder = null, Fusion fusion = Fusion.Mix, float mixWeight = 0.5f, float threshold = 0.35f,
        float? classifierWeight = null)
    {
        Encoder = encoder;
        Fusion = fusion;
        MixWeight = mixWeight;
        Threshold = threshold;
        if (mixWeight is < 0f or > 1f || float.IsNaN(mixWeight))
            throw new ArgumentOutOfRangeException(nameof(mixWeight), $"the cosine's weight is from 0 to 1, got {mixWeight}");
        if (classifierWeight is < 0f or > 1f)
            throw new ArgumentOutOfRangeException(nameof(classifierWeight), $"the classifier's weight is from 0 to 1, got {classifierWeight}");
        ClassifierWeight = classifierWeight ?? (encoder is null ? DefaultClassifierWeight : 0f);
    }

    /// <summary>
    /// Chosen on leave-one-phrasing-out and validation paraphrases of both samples' FAQs (docs/benchmarks.md, "Knowledge"):
    /// without an encoder it lifted travel-zh's top-1 from 0.63 to 0.78; beside all-MiniLM-L6-v2 it only lost.
    /// </summary>
    public const float DefaultClassifierWeight = 0.5f;

    public float ClassifierWeight { get; }

    public ITextEncoder? Encoder { get; }
    public Fusion Fusion { get; }
    public float MixWeight { get; }
    public float Threshold { get; }
    public IReadOnlyCollection<IndexedSource> Sources => sources.Values;
    public IEnumerable<Passage> Passages => sources.Values.SelectMany(s => s.Passages);
    public int UnitCount => units.Count;

    /// <summary>Indexes one file (FAQ or document) under the name <paramref name="source"/>, replacing its previous passages.</summary>
    public bool AddFile(string path, string source, bool isFaq)
    {
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        if (sources.TryGetValue(source, out var old) && old.Hash == hash && (Encoder is null) == (old.UnitVectors is null)) return false;
        var passages = isFaq ? FaqReader.Read(path, source) : DocumentReader.Read(path, source);
        Put(Analyze(source, hash, passages));
        return true;
    }

    /// <summary>Adds passages made in code (tests, generated corpora); the hash is the caller's.</summary>
    public void AddPassages(string source, IReadOnlyList<Passage> passages, string hash = "") => Put(Analyze(source, hash, passages));

    public bool Remove(string source)
    {
        if (!sources.Remove(source)) return false;
        Rebuild();
        return true;
    }

    /// <summary>Brings the index up to date with the config's files: (re-)indexed and removed sources.</summary>
    public (List<string> Indexed, List<string> Removed) Update(KnowledgeConfig config)
    {
        var indexed = new List<string>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        batch = true;
        try
        {
            foreach (var (path, source, isFaq) in config.Files())
            {
                wanted.Add(source);
                if (!File.Exists(path)) throw new KnowledgeFormatException(source, 0, "no such file");
                if (AddFile(path, source, isFaq)) indexed.Add(source);
            }
        }
        finally { batch = false; }
        var removed = sources.Keys.Where(s => !wanted.Contains(s)).ToList();
        foreach (var s in removed) sources.Remove(s);
        Rebuild();
        return (indexed, removed);
    }

    bool batch;

    internal void Load(IndexedSource source) { sources[source.Source] = source; }

    internal void Put(IndexedSource source)
    {
        sources[source.Source] = source;
        if (!batch) Rebuild();
    }

    IndexedSource Analyze(string source, string hash, IReadOnlyList<Passage> passages)
    {
        var unitPassage = new List<int>();
        var texts = new List<string>();
        for (int p = 0; p < passages.Count; p++)
        {
            IEnumerable<string> units = passages[p].IsFaq
                ? [.. passages[p].Questions, string.Join("\n", passages[p].Questions) + "\n" + passages[p].Text]
                : [passages[p].Title + "\n" + passages[p].Text];
            foreach (var u in units) { unitPassage.Add(p); texts.Add(u); }
        }
        var terms = texts.Select(t => (IReadOnlyDictionary<string, int>)KbTerms.Counts(t)).ToList();
        var vectorsNow = Encoder?.Embed(texts);
        return new IndexedSource(source, hash, passages, unitPassage, terms, vectorsNow);
    }

    /// <summary>The inverted index and the unit table from the stored vectors (no text analysis).</summary>
    internal void Rebuild()
    {
        var list = new List<(Passage, string, float)>();
        var terms = new List<IReadOnlyDictionary<string, int>>();
        var vecs = new List<float[]>();
        foreach (var s in sources.Values.OrderBy(s => s.Source, StringComparer.Ordinal))
            for (int u = 0, ordinal = 0; u < s.UnitPassage.Count; u++)
            {
                // An entry's units are consecutive: ordinal is the phrasing's index within its entry.
                ordinal = u > 0 && s.UnitPassage[u - 1] == s.UnitPassage[u] ? ordinal + 1 : 0;
                var p = s.Passages[s.UnitPassage[u]];
                bool entryUnit = p.IsFaq && ordinal >= p.Questions.Count;
                list.Add((p, p.IsFaq ? p.Questions[Math.Min(ordinal, p.Questions.Count - 1)] : p.Title, entryUnit ? EntryUnitWeight : 1f));
                terms.Add(s.UnitTerms[u]);
                if (s.UnitVectors is { } v) vecs.Add(v[u]);
            }
        units = list;
        vectors = Encoder is not null && vecs.Count == list.Count ? [.. vecs] : [];
        bm25 = new Bm25Index(terms);
        classifier = ClassifierWeight > 0 ? FaqClassifier.Train(sources.Values.SelectMany(s => s.Passages)) : null;
    }

    /// <summary>The best <paramref name="k"/> passages for a query, best first (an FAQ entry once, by its best phrasing).</summary>
    public IReadOnlyList<RetrievedPassage> Search(string query, int k)
    {
        if (k <= 0 || units.Count == 0 || string.IsNullOrWhiteSpace(query)) return [];
        var terms = KbTerms.Terms(query);
        float bound = bm25.UpperBound(terms);
        int pool = Math.Max(50, k * 10);
        // Per passage: best lexical confidence and rank, best cosine and rank, and the unit that matched best.
        var lexical = Best(bm25.Search(terms, pool).Select(h => (h.Document, bound > 0 ? Math.Min(1f, h.Score / bound) * units[h.Document].Weight : 0f))
            .OrderByDescending(h => h.Item2));
        var dense = vectors.Length > 0 ? Best(DenseSearch(query, pool)) : [];
        var entries = classifier?.Rank(query, pool) ?? [];
        var scored = new Dictionary<Passage, (float Score, float Confidence, string Unit)>();
        foreach (var p in lexical.Keys.Union(dense.Keys))
        {
            var (lConf, lRank, lUnit) = lexical.GetValueOrDefault(p, (0f, -1, ""));
            var (dConf, dRank, dUnit) = dense.GetValueOrDefault(p, (0f, -1, ""));
            float mix = vectors.Length == 0 ? lConf : MixWeight * Math.Max(0, dConf) + (1 - MixWeight) * lConf;
            float score = Fusion == Fusion.Rrf && vectors.Length > 0 ? Rrf(lRank) + Rrf(dRank) : mix;
            string unit = dRank >= 0 && (lRank < 0 || dConf >= lConf) ? dUnit : lUnit;
            if (classifier is not null && p.IsFaq)
            {
                // The order only: a classifier trained on a few phrasings per entry is far surer than it should be (an FAQ
                // of three entries gives 发票 to one of its two invoice entries at 0.99), so the confidence a threshold
                // reads stays retrieval's. Documents keep their score: the classifier knows FAQ entries only.
                var (probability, rank) = entries.GetValueOrDefault(p, (0f, -1));
                score = Fusion == Fusion.Rrf && vectors.Length > 0 ? score + Rrf(rank) : (1 - ClassifierWeight) * score + ClassifierWeight * probability;
            }
            scored[p] = (score, mix, unit);
        }
        return scored.OrderByDescending(e => e.Value.Score).ThenBy(e => e.Key.Id, StringComparer.Ordinal).Take(k)
            .Select(e => RetrievedPassage.From(e.Key, e.Value.Score, e.Value.Confidence, e.Key.IsFaq ? e.Value.Unit : null)).ToList();
    }

    static float Rrf(int rank) => rank < 0 ? 0 : 1f / (60 + rank + 1);

    Dictionary<Passage, (float Confidence, int Rank, string Unit)> Best(IEnumerable<(int Unit, float Confidence)> hits)
    {
        var best = new Dictionary<Passage, (float, int, string)>();
        foreach (var (u, conf) in hits)
        {
            var (p, text, _) = units[u];
            if (!best.ContainsKey(p)) best[p] = (conf, best.Count, text);
        }
        return best;
    }

    IEnumerable<(int, float)> DenseSearch(string query, int pool)
    {
        var q = Encoder!.Embed([query])[0];
        var scores = new (int, float)[vectors.Length];
        for (int u = 0; u < vectors.Length; u++) scores[u] = (u, TensorPrimitives.Dot(q, vectors[u]));
        return scores.OrderByDescending(s => s.Item2).Take(pool);
    }

    /// <summary>The FAQ entry with this id (the part after '#', e.g. ask_price for faq/ask_price), in any FAQ file.</summary>
    public Passage? FindFaq(string entryId) =>
        Passages.FirstOrDefault(p => p.IsFaq && p.Id.EndsWith("#" + entryId, StringComparison.Ordinal));

    /// <summary>The best passage when its confidence reaches the threshold, and the top candidates either way.</summary>
    public KbAnswer Answer(string query, int candidates = 3)
    {
        var hits = Search(query, candidates);
        var best = hits.Count > 0 && hits[0].Confidence >= Threshold ? hits[0] : null;
        return new KbAnswer(best, hits, Threshold);
    }
}
