namespace Kefu.Text.WordPiece;

/// <summary>
/// The single-sequence template of a post-processor (tokenizers' TemplateProcessing or BertProcessing): special
/// token ids and the place of the sequence, each with its type id. BERT's is [CLS]:0 $A:0 [SEP]:0.
/// </summary>
internal sealed class PostProcessor
{
    /// <param name="template">Special token ids, or null for the sequence itself, with their type ids.</param>
    public PostProcessor(IEnumerable<(int[]? Ids, int TypeId)> template)
    {
        Template = [.. template];
        if (Template.Count(p => p.Ids is null) != 1)
            throw new ArgumentException("A single-sequence template holds the sequence exactly once.", nameof(template));
        AddedCount = template.Sum(p => p.Ids?.Length ?? 0);
    }

    /// <summary>No post-processor: the sequence alone, type id 0.</summary>
    public static PostProcessor None { get; } = new([(null, 0)]);

    public (int[]? Ids, int TypeId)[] Template { get; }

    /// <summary>How many special tokens the template adds around a sequence.</summary>
    public int AddedCount { get; }
}

/// <summary>Tokens as parallel arrays: id, original [Start, End), word index (-1 for none), reused between calls.</summary>
internal sealed class TokenBuffer
{
    public int[] Ids = new int[64], Starts = new int[64], Ends = new int[64], Words = new int[64];
    public int Count;

    public void Add(int id, int start, int end, int word)
    {
        if (Count == Ids.Length)
        {
            int size = Count * 2;
            Array.Resize(ref Ids, size);
            Array.Resize(ref Starts, size);
            Array.Resize(ref Ends, size);
            Array.Resize(ref Words, size);
        }
        Ids[Count] = id;
        Starts[Count] = start;
        Ends[Count] = end;
        Words[Count++] = word;
    }
}

/// <summary>
/// tokenizers' Tokenizer.encode for one sequence, without the post-processor: added tokens matched in the original text,
/// each stretch between them normalized on its own, normalized added tokens matched there, pre-tokenized, then cut
/// into word pieces. Every token keeps the original range it covers. Thread-safe: scratch buffers are per thread.
/// </summary>
internal sealed class TokenizerPipeline(
    NormalizerStep[] normalizer,
    PreTokenizerStep[] preTokenizer,
    WordPieceVocabulary vocabulary,
    int unknownId,
    string continuationPrefix,
    int maxCharactersPerWord,
    IReadOnlyList<AddedToken> addedTokens)
{
    private readonly AddedTokenMatcher raw = new(addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
    private readonly AddedTokenMatcher normalized = new(addedTokens.Where(t => t.Normalized).Select(t => (Normalize(normalizer, t.Content), t)));

    [ThreadStatic]
    private static Workspace? scratch;

    public WordPieceVocabulary Vocabulary => vocabulary;

    public IReadOnlyList<AddedToken> AddedTokens => addedTokens;

    /// <summary>Tokenizes <paramref name="text"/> into the thread's token buffer and returns it (valid until the next call).</summary>
    public TokenBuffer Tokenize(string text)
    {
        var work = scratch ??= new Workspace();
        var tokens = work.Tokens;
        tokens.Count = 0;
        int word = 0;
        int from = 0;
        work.Matches.Clear();
        if (!raw.IsEmpty)
            raw.FindMatches(text, work.Matches);
        foreach (var (start, end, id) in work.Matches)
        {
            Stretch(text, from, start, work, ref word);
            tokens.Add(id, start, end, word++);
            from = end;
        }
        Stretch(text, from, text.Length, work, ref word);
        return tokens;
    }

    // text[from, to) between added tokens: normalize, match normalized added tokens, pre-tokenize, WordPiece
    private void Stretch(string text, int from, int to, Workspace work, ref int word)
    {
        if (to <= from)
            return;
        work.A.SetOriginal(text, from, to);
        var normal = NormalizerStep.Run(normalizer, work.A, work.B);
        if (normal.Length == 0)
            return;
        int at = 0;
        if (!normalized.IsEmpty)
        {
            work.NormalizedMatches.Clear();
            normalized.FindMatches(normal.Chars, work.NormalizedMatches);
            foreach (var (start, end, id) in work.NormalizedMatches)
            {
                Words(normal, at, start, work, ref word);
                var (s, e) = normal.Original(start, end);
                work.Tokens.Add(id, s, e, word++);
                at = end;
            }
        }
        Words(normal, at, normal.Length, work, ref word);
    }

    private void Words(NormalizedText normal, int start, int end, Workspace work, ref int word)
    {
        if (end <= start)
            return;
        var pieces = work.Pieces;
        pieces.Clear();
        pieces.Add((start, end));
        PreTokenizerStep.Run(preTokenizer, normal, pieces, work.Spare);
        foreach (var (s, e) in pieces)
        {
            if (work.WordPieces.Length < e - s)
                work.WordPieces = new (int, int, int)[Math.Max(e - s, 2 * work.WordPieces.Length)];
            int count = vocabulary.Segment(normal.Chars[s..e], unknownId, continuationPrefix, maxCharactersPerWord, work.WordPieces);
            for (int k = 0; k < count; k++)
            {
                var (id, pieceStart, pieceEnd) = work.WordPieces[k];
                var (os, oe) = normal.Original(s + pieceStart, s + pieceEnd);
                work.Tokens.Add(id, os, oe, word);
            }
            word++;
        }
    }

    /// <summary>The normalizer's output for <paramref name="text"/> (tokenizers' normalize_str).</summary>
    public string Normalize(string text) => Normalize(normalizer, text);

    private static string Normalize(NormalizerStep[] steps, string content)
    {
        var text = new NormalizedText();
        text.SetOriginal(content, 0, content.Length);
        return NormalizerStep.Run(steps, text, new NormalizedText()).ToString();
    }

    private sealed class Workspace
    {
        public readonly NormalizedText A = new(), B = new();
        public readonly List<(int Start, int End)> Pieces = [], Spare = [];
        public readonly List<(int Start, int End, int Id)> Matches = [], NormalizedMatches = [];
        public readonly TokenBuffer Tokens = new();
        public (int Id, int Start, int End)[] WordPieces = new (int, int, int)[64];
    }
}
