using Kefu.Nlu.Entities;
using Kefu.Text;

namespace Kefu.Nlu.Features;

/// <summary>
/// Hashed n-gram keys to a fitted vocabulary of columns, weighted (1 + ln tf) · idf and L2-normalized per
/// block (words, characters), as scikit-learn's TfidfVectorizer(sublinear_tf=True) in a FeatureUnion.
/// Keys never seen in training are dropped: they would have zero weight in every linear model.
/// With <see cref="Patterns"/>, each regex or lookup table that matches the text adds one word-block key.
/// With <see cref="SparseFeatureConfig.ContextWeight"/> &gt; 0, a context text (the bot's previous message) adds its own
/// keys, salted apart from the message's, as a third block L2-normalized to that weight.
/// </summary>
public sealed class SparseVectorizer
{
    readonly Dictionary<ulong, int> columns;
    readonly ulong[] keys;       // [F] column -> key
    readonly float[] idf;        // [F]
    readonly ulong[] patternKeys; // [Patterns.Names]

    public SparseFeatureConfig Config { get; }
    public EntityPatterns? Patterns { get; }
    public int FeatureCount => keys.Length;
    public ReadOnlySpan<ulong> Keys => keys;
    public ReadOnlySpan<float> Idf => idf;

    public SparseVectorizer(SparseFeatureConfig config, ulong[] keys, float[] idf, EntityPatterns? patterns = null)
    {
        if (keys.Length != idf.Length) throw new ArgumentException("keys and idf differ in length");
        Config = config;
        Patterns = patterns;
        if (config.ChineseWords && config.UserWords is { Count: > 0 } words)
            ChineseWords.AddUserWords(words);
        patternKeys = patterns?.Names.Select(FeatureHashing.PatternKey).ToArray() ?? [];
        this.keys = keys;
        this.idf = idf;
        columns = new Dictionary<ulong, int>(keys.Length);
        for (int i = 0; i < keys.Length; i++) columns[keys[i]] = i;
    }

    /// <summary>Builds the vocabulary and document frequencies of <paramref name="texts"/> (and their <paramref name="contexts"/> [N]).</summary>
    public static SparseVectorizer Fit(IReadOnlyList<string> texts, SparseFeatureConfig config, EntityPatterns? patterns = null,
        IReadOnlyList<string?>? contexts = null)
    {
        var df = new Dictionary<ulong, int>();
        var unfitted = new SparseVectorizer(config, [], [], patterns);
        var scratch = new VectorizerScratch();
        var buffer = scratch.Keys;
        for (int t = 0; t < texts.Count; t++)
        {
            unfitted.EmitKeys(texts[t], scratch);
            if (config.ContextWeight > 0 && contexts?[t] is { Length: > 0 } context)
                unfitted.EmitContextKeys(context, scratch, append: true);
            buffer.Sort();
            for (int i = 0; i < buffer.Count; i++)
                if (i == 0 || buffer[i] != buffer[i - 1])
                    df[buffer[i]] = df.GetValueOrDefault(buffer[i]) + 1;
        }
        var kept = df.Where(kv => kv.Value >= config.MinDocumentFrequency).Select(kv => kv.Key).ToArray();
        Array.Sort(kept); // column order independent of dictionary iteration order
        var idf = new float[kept.Length];
        for (int i = 0; i < kept.Length; i++)
            idf[i] = config.UseIdf ? MathF.Log((1f + texts.Count) / (1f + df[kept[i]])) + 1f : 1f;
        return new SparseVectorizer(config, kept, idf, patterns);
    }

    /// <summary>
    /// Fills scratch.Keys with the unsorted feature keys of <paramref name="text"/>. Text inside a pattern match is
    /// delexicalized: it counts as one placeholder word, so "DD20241115077" says "an order id" rather than
    /// binding the intent to the digits of the ids seen in training.
    /// </summary>
    void EmitKeys(string text, VectorizerScratch scratch)
    {
        scratch.Keys.Clear();
        scratch.Analyzer.Analyze(text);
        if (Config.ChineseWords)
            foreach (var (start, end) in ChineseWords.Words(text))
                scratch.Keys.Add(FeatureHashing.ChineseWordKey(text.AsSpan(start, end - start)));
        if (Patterns is null)
        {
            FeatureHashing.EmitKeys(scratch.Analyzer, Config, scratch.Keys, masked: default);
            return;
        }
        var matched = scratch.Matched(patternKeys.Length);
        var masked = scratch.Masked(text.Length);
        Patterns.Match(text, matched, masked);
        FeatureHashing.EmitKeys(scratch.Analyzer, Config, scratch.Keys, masked);
        for (int i = 0; i < matched.Length; i++)
            if (matched[i]) scratch.Keys.Add(patternKeys[i]);
    }

    /// <summary>The context's keys (its words and characters, salted so they never meet the message's own).</summary>
    void EmitContextKeys(string context, VectorizerScratch scratch, bool append)
    {
        var own = scratch.Keys;
        var saved = append ? own.ToArray() : [];
        EmitKeys(context, scratch);
        for (int i = 0; i < own.Count; i++) own[i] = FeatureHashing.ContextKey(own[i]);
        own.AddRange(saved);
    }

    /// <summary>
    /// Writes the sparse vector of <paramref name="text"/> into the buffers; returns the non-zero count.
    /// Allocates nothing once <paramref name="scratch"/>'s buffers have grown (without a context).
    /// </summary>
    public int Transform(string text, VectorizerScratch scratch) => Transform(text, null, scratch);

    /// <summary>
    /// <see cref="Transform(string, VectorizerScratch)"/> with the context block after the message's columns
    /// (nothing when <see cref="SparseFeatureConfig.ContextWeight"/> is 0 or the context is empty).
    /// </summary>
    public int Transform(string text, string? context, VectorizerScratch scratch)
    {
        int count = TransformBlocks(text, scratch, 0, isContext: false);
        if (Config.ContextWeight > 0 && context is { Length: > 0 })
        {
            EmitContextKeys(context, scratch, append: false);
            count = TransformBlocks(null, scratch, count, isContext: true);
        }
        return count;
    }

    /// <summary>
    /// The (1 + ln tf) · idf weights of scratch.Keys (of <paramref name="text"/> when given) written from
    /// <paramref name="first"/> on, normalized per block; returns the new non-zero count.
    /// </summary>
    int TransformBlocks(string? text, VectorizerScratch scratch, int first, bool isContext)
    {
        if (text is not null) EmitKeys(text, scratch);
        var sorted = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch.Keys);
        sorted.Sort();
        scratch.Ensure(first + sorted.Length);
        var cols = scratch.Columns;
        var vals = scratch.Values;
        int count = first;
        float wordNorm = 0, charNorm = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i + 1;
            while (j < sorted.Length && sorted[j] == sorted[i]) j++;
            if (columns.TryGetValue(sorted[i], out int col))
            {
                int tf = j - i;
                float w = (Config.SublinearTf ? 1f + MathF.Log(tf) : tf) * idf[col];
                cols[count] = col;
                vals[count] = w;
                if (FeatureHashing.IsCharBlock(sorted[i])) charNorm += w * w; else wordNorm += w * w;
                count++;
            }
            i = j;
        }
        if (isContext)
        {
            // one block: the context says which topic the message answers, not how it is worded
            float scale = wordNorm + charNorm > 0 ? Config.ContextWeight / MathF.Sqrt(wordNorm + charNorm) : 0f;
            for (int i = first; i < count; i++) vals[i] *= scale;
            return count;
        }
        float wordScale = wordNorm > 0 ? 1f / MathF.Sqrt(wordNorm) : 0f;
        float charScale = charNorm > 0 ? Config.CharBlockWeight / MathF.Sqrt(charNorm) : 0f;
        for (int i = first; i < count; i++)
            vals[i] *= FeatureHashing.IsCharBlock(keys[cols[i]]) ? charScale : wordScale;
        return count;
    }

    /// <summary>All texts (with their <paramref name="contexts"/> [N]) as one compressed sparse row matrix [N, F].</summary>
    public SparseMatrix TransformAll(IReadOnlyList<string> texts, IReadOnlyList<string?>? contexts = null)
    {
        var scratch = new VectorizerScratch();
        var rowStart = new int[texts.Count + 1];
        var cols = new List<int>(texts.Count * 64);
        var vals = new List<float>(texts.Count * 64);
        for (int r = 0; r < texts.Count; r++)
        {
            int n = Transform(texts[r], contexts?[r], scratch);
            for (int i = 0; i < n; i++)
            {
                cols.Add(scratch.Columns[i]);
                vals.Add(scratch.Values[i]);
            }
            rowStart[r + 1] = cols.Count;
        }
        return new SparseMatrix(texts.Count, FeatureCount, rowStart, cols.ToArray(), vals.ToArray());
    }
}

/// <summary>Reusable buffers for <see cref="SparseVectorizer.Transform"/>; one per thread.</summary>
public sealed class VectorizerScratch
{
    public TextAnalyzer Analyzer { get; } = new();
    public List<ulong> Keys { get; } = new(256);
    public int[] Columns { get; private set; } = new int[256];
    public float[] Values { get; private set; } = new float[256];
    bool[] matched = [];
    bool[] masked = [];

    internal Span<bool> Matched(int names)
    {
        if (matched.Length < names) matched = new bool[names];
        return matched.AsSpan(0, names);
    }

    internal Span<bool> Masked(int textLength)
    {
        if (masked.Length < textLength) masked = new bool[Math.Max(256, textLength * 2)];
        return masked.AsSpan(0, textLength);
    }

    internal void Ensure(int size)
    {
        if (Columns.Length >= size) return;
        Columns = new int[size * 2];
        Values = new float[size * 2];
    }
}
