using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Text;

namespace Kefu.Nlu.Diet;

/// <summary>
/// One message as DIET's sparse input rows: row 0 is the sentence (Rasa's __CLS__ token), whose features are the
/// linear NLU's TF-IDF vector (columns [0, S)); rows 1..T are its tokens, each the bag of the entity CRF's token
/// features (<see cref="EntityFeatures"/>: text, shape, affixes, neighbours, pattern matches; columns [S, S + W)),
/// scaled to unit length. Keys never seen <see cref="MinCount"/> times in training are dropped.
/// </summary>
public sealed class DietFeaturizer
{
    [ThreadStatic] static Scratch? scratch;

    readonly Dictionary<ulong, int> tokenColumns;
    readonly ulong[] tokenKeys; // [W] column - S -> key

    public DietFeaturizer(SparseVectorizer sentence, ulong[] tokenKeys, EntityPatterns? patterns, int maxTokens)
    {
        Sentence = sentence;
        Patterns = patterns;
        MaxTokens = maxTokens;
        this.tokenKeys = tokenKeys;
        tokenColumns = new Dictionary<ulong, int>(tokenKeys.Length);
        for (int i = 0; i < tokenKeys.Length; i++) tokenColumns[tokenKeys[i]] = sentence.FeatureCount + i;
    }

    public const int MinCount = 2;

    public SparseVectorizer Sentence { get; }
    public EntityPatterns? Patterns { get; }
    /// <summary>Tokens after the first this many are cut off (their entities are not found).</summary>
    public int MaxTokens { get; }
    public ReadOnlySpan<ulong> TokenKeys => tokenKeys;
    /// <summary>S + W: the rows of the network's input weight.</summary>
    public int ColumnCount => Sentence.FeatureCount + tokenKeys.Length;

    public static DietFeaturizer Fit(IReadOnlyList<string> texts, SparseFeatureConfig config, EntityPatterns? patterns, int maxTokens)
    {
        var sentence = SparseVectorizer.Fit(texts, config, patterns);
        var counts = new Dictionary<ulong, int>();
        var analyzer = new TextAnalyzer();
        var keys = new List<ulong>();
        foreach (var text in texts)
        {
            analyzer.Analyze(text);
            var matches = patterns?.Matches(text) ?? [];
            for (int t = 0; t < Math.Min(analyzer.TokenCount, maxTokens); t++)
            {
                keys.Clear();
                EntityFeatures.Emit(analyzer, text, t, matches, keys);
                foreach (ulong key in keys) counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        var kept = counts.Where(p => p.Value >= MinCount).Select(p => p.Key).ToArray();
        Array.Sort(kept); // column order independent of dictionary order
        return new DietFeaturizer(sentence, kept, patterns, maxTokens);
    }

    /// <summary>
    /// Appends the rows of <paramref name="text"/> (1 + T of them) to <paramref name="rows"/> and returns the tokens' spans
    /// [T] in the original text.
    /// </summary>
    public (int Start, int End)[] Featurize(string text, SparseRows rows)
    {
        var s = scratch ??= new Scratch();
        int n = Sentence.Transform(text, s.Vectorizer);
        rows.AddRow(s.Vectorizer.Columns.AsSpan(0, n), s.Vectorizer.Values.AsSpan(0, n));

        var analyzer = s.Analyzer;
        analyzer.Analyze(text);
        var matches = Patterns?.Matches(text) ?? [];
        int count = Math.Min(analyzer.TokenCount, MaxTokens);
        var spans = new (int, int)[count];
        for (int t = 0; t < count; t++)
        {
            var token = analyzer.Tokens[t];
            spans[t] = (token.Start, token.End);
            s.Keys.Clear();
            EntityFeatures.Emit(analyzer, text, t, matches, s.Keys);
            s.Columns.Clear();
            foreach (ulong key in s.Keys)
                if (tokenColumns.TryGetValue(key, out int column)) s.Columns.Add(column);
            s.Columns.Sort();
            int distinct = 0;
            for (int i = 0; i < s.Columns.Count; i++)
                if (i == 0 || s.Columns[i] != s.Columns[i - 1]) s.Columns[distinct++] = s.Columns[i];
            float value = distinct > 0 ? 1f / MathF.Sqrt(distinct) : 0f;
            s.Values.Clear();
            for (int i = 0; i < distinct; i++) s.Values.Add(value);
            rows.AddRow(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Columns)[..distinct],
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Values));
        }
        return spans;
    }

    sealed class Scratch
    {
        public readonly VectorizerScratch Vectorizer = new();
        public readonly TextAnalyzer Analyzer = new();
        public readonly List<ulong> Keys = new(64);
        public readonly List<int> Columns = new(64);
        public readonly List<float> Values = new(64);
    }
}

/// <summary>Growable CSR rows: a batch's input, built row by row then handed to <see cref="Numerics.Tensors.CsrMatrix"/>.</summary>
public sealed class SparseRows
{
    int[] rowStarts = new int[65];
    int[] columns = new int[1024];
    float[] values = new float[1024];

    public int Rows { get; private set; }
    public int Count => rowStarts[Rows];
    public int[] RowStarts => rowStarts;
    public int[] Columns => columns;
    public float[] Values => values;

    public void Clear() => Rows = 0;

    public void AddRow(ReadOnlySpan<int> cols, ReadOnlySpan<float> vals)
    {
        if (Rows + 2 > rowStarts.Length) Array.Resize(ref rowStarts, rowStarts.Length * 2);
        int at = rowStarts[Rows];
        if (at + cols.Length > columns.Length)
        {
            int size = Math.Max(columns.Length * 2, at + cols.Length);
            Array.Resize(ref columns, size);
            Array.Resize(ref values, size);
        }
        cols.CopyTo(columns.AsSpan(at));
        vals[..cols.Length].CopyTo(values.AsSpan(at));
        rowStarts[++Rows] = at + cols.Length;
    }

    /// <summary>Rows that hold nothing (padding).</summary>
    public void AddEmptyRows(int n)
    {
        for (int i = 0; i < n; i++) AddRow([], []);
    }

    /// <summary>Appends row <paramref name="row"/> of <paramref name="other"/>.</summary>
    public void CopyRow(SparseRows other, int row)
    {
        int from = other.rowStarts[row], to = other.rowStarts[row + 1];
        AddRow(other.columns.AsSpan(from, to - from), other.values.AsSpan(from, to - from));
    }
}
