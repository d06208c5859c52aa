using System.Runtime.InteropServices;

namespace Kefu.Knowledge;

/// <summary>
/// Okapi BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009):
/// score(q, d) = Σ_t∈q idf(t) · tf(t,d) · (k1 + 1) / (tf(t,d) + k1 · (1 − b + b · |d| / avgdl)),
/// idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)) (Lucene's non-negative form).
/// k1 = 1.2 saturates repeated terms; b = 0.75 normalizes for length. FAQ questions are short and similar in
/// length, so length matters little there; documents' passages are cut to similar sizes for the same reason.
/// Built once from term vectors (immutable, thread-safe to search); the knowledge base rebuilds it from the stored
/// vectors after a change, which costs no text analysis.
/// </summary>
public sealed class Bm25Index
{
    public const float DefaultK1 = 1.2f, DefaultB = 0.75f;

    readonly Dictionary<string, int> termIds = new(StringComparer.Ordinal);
    readonly int[][] postingDocs;     // [term][posting] -> document
    readonly float[][] postingNorms;  // [term][posting] -> tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))
    readonly float[] idf;             // [term]
    [ThreadStatic] static float[]? accumulator;

    public int Count { get; }
    public float K1 { get; }
    public float B { get; }

    public Bm25Index(IReadOnlyList<IReadOnlyDictionary<string, int>> documents, float k1 = DefaultK1, float b = DefaultB)
    {
        Count = documents.Count;
        K1 = k1;
        B = b;
        var lengths = new int[Count];
        long total = 0;
        var docs = new List<List<int>>();
        var tfs = new List<List<int>>();
        for (int d = 0; d < Count; d++)
        {
            foreach (var (term, tf) in documents[d])
            {
                ref int id = ref CollectionsMarshal.GetValueRefOrAddDefault(termIds, term, out bool exists);
                if (!exists) { id = docs.Count; docs.Add([]); tfs.Add([]); }
                docs[id].Add(d);
                tfs[id].Add(tf);
                lengths[d] += tf;
            }
            total += lengths[d];
        }
        float avgdl = Count == 0 ? 1 : Math.Max(1f, (float)total / Count);
        postingDocs = new int[docs.Count][];
        postingNorms = new float[docs.Count][];
        idf = new float[docs.Count];
        for (int t = 0; t < docs.Count; t++)
        {
            postingDocs[t] = [.. docs[t]];
            var norms = postingNorms[t] = new float[docs[t].Count];
            for (int p = 0; p < norms.Length; p++)
            {
                float tf = tfs[t][p];
                norms[p] = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[docs[t][p]] / avgdl));
            }
            int df = norms.Length;
            idf[t] = MathF.Log(1 + (Count - df + 0.5f) / (df + 0.5f));
        }
    }

    /// <summary>The best <paramref name="k"/> documents for the query's terms (repeats count), highest score first.</summary>
    /// <remarks>
    /// Term at a time into one accumulator per document, without a branch in the walk over the postings (the common
    /// characters of a Chinese query have tens of thousands each); then one pass over the accumulators keeps the top k.
    /// </remarks>
    public List<(int Document, float Score)> Search(IReadOnlyList<string> queryTerms, int k)
    {
        var result = new List<(int, float)>();
        if (k <= 0 || Count == 0) return result;
        var acc = accumulator is { } a && a.Length >= Count ? a : accumulator = new float[Count];
        foreach (var term in queryTerms)
        {
            if (!termIds.TryGetValue(term, out int t)) continue;
            var docs = postingDocs[t];
            var norms = postingNorms[t];
            float w = idf[t];
            for (int p = 0; p < docs.Length; p++)
                acc[docs[p]] += w * norms[p];
        }
        // Top-k by a min-heap: O(N + inserted · log k); scores are positive, so an untouched document (0) never enters.
        var heap = new PriorityQueue<int, float>(k + 1);
        float least = 0;
        for (int d = 0; d < Count; d++)
        {
            float s = acc[d];
            if (s <= least) continue;
            heap.Enqueue(d, s);
            if (heap.Count > k) heap.Dequeue();
            if (heap.Count == k) heap.TryPeek(out _, out least);
        }
        Array.Clear(acc, 0, Count);
        while (heap.TryDequeue(out int d, out float s)) result.Add((d, s));
        result.Reverse();
        return result;
    }

    /// <summary>The highest score a document could reach for these terms (every term saturated): Σ idf · (k1 + 1).</summary>
    public float UpperBound(IReadOnlyList<string> queryTerms)
    {
        float bound = 0;
        foreach (var term in queryTerms)
            if (termIds.TryGetValue(term, out int t)) bound += idf[t] * (K1 + 1);
        return bound;
    }
}
