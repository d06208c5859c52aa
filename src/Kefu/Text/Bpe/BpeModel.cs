using System.Collections.Concurrent;
using System.Text;
using Kefu.Text.Hf;

namespace Kefu.Text.Bpe;

/// <summary>
/// tokenizers' BPE model (models/bpe/model.rs and word.rs): a word's characters start as single-character tokens,
/// then the adjacent pair with the lowest merge rank is merged, leftmost first among equal ranks, until no pair has
/// a merge. With byte-level tokenizers the word is already GPT-2's byte characters (<see cref="ByteLevel"/>).
/// Results are cached per word (10,000 words, as tokenizers' DEFAULT_CACHE_CAPACITY). Thread-safe.
/// Why not Microsoft.ML.Tokenizers 3.0 (measured on the tiny-gpt2/tiny-qwen2 fixtures): its BpeTokenizer with
/// RobertaPreTokenizer gets the fixture texts right but leaves special tokens unmatched ("a&lt;|endoftext|&gt;b" gives 12
/// ids, not 3, so chat-template ids are wrong), gives each byte token of an emoji the offsets (0, 1) of half a
/// surrogate pair, and reads no tokenizer.json (added-token flags, Split regex, NFC, Metaspace, Unigram);
/// CodeGenTokenizer turns runs of spaces into ids 50285/50286, CodeGen's own, outside a 2,000-token vocabulary.
/// </summary>
internal sealed class BpeModel : ISubwordModel
{
    private const int CacheCapacity = 10_000, CachedWordLength = 256;

    private readonly Dictionary<string, int> vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocabularyBySpan;
    private readonly Dictionary<long, (int Rank, int NewId)> merges;
    private readonly Dictionary<int, int> characterIds = [];
    private readonly ConcurrentDictionary<string, SubwordPiece[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubwordPiece[]>.AlternateLookup<ReadOnlySpan<char>> cacheBySpan;
    private readonly int[] byteFallbackIds = new int[256];
    private readonly int[] smallCharacterIds = new int[0x200]; // ids of U+0000..U+01FF, GPT-2's byte characters; -1 when none
    private int cacheEntries; // entries in cache (ConcurrentDictionary.Count takes every lock)

    [ThreadStatic]
    private static Workspace? scratch;

    /// <param name="vocabulary">token → id.</param>
    /// <param name="merges">Pairs in rank order; each pair's parts and their concatenation must be in the vocabulary.</param>
    /// <param name="unknownId">The id for characters outside the vocabulary, or -1 to drop them as tokenizers does without unk_token.</param>
    public BpeModel(Dictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges, int unknownId = -1,
        bool fuseUnknown = false, bool byteFallback = false, bool ignoreMerges = false)
    {
        this.vocabulary = vocabulary;
        vocabularyBySpan = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        cacheBySpan = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = unknownId;
        FuseUnknown = fuseUnknown;
        IgnoreMerges = ignoreMerges;
        int size = vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1;
        Tokens = new string[size];
        foreach (var (token, id) in vocabulary)
        {
            Tokens[id] = token;
            if (token.Length == 1 || (token.Length == 2 && char.IsSurrogatePair(token[0], token[1])))
                characterIds[token.Length == 1 ? token[0] : char.ConvertToUtf32(token[0], token[1])] = id;
        }
        Array.Fill(smallCharacterIds, -1);
        foreach (var (cp, id) in characterIds)
        {
            if (cp < smallCharacterIds.Length)
                smallCharacterIds[cp] = id;
        }
        Array.Fill(byteFallbackIds, -1);
        if (byteFallback)
        {
            for (int b = 0; b < 256; b++)
                byteFallbackIds[b] = vocabulary.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
        }
        ByteFallback = byteFallback;
        this.merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            int a = vocabulary.TryGetValue(left, out int l) ? l : throw new ArgumentException($"merge {rank} (\"{left} {right}\"): \"{left}\" is not in the vocabulary");
            int b = vocabulary.TryGetValue(right, out int r) ? r : throw new ArgumentException($"merge {rank} (\"{left} {right}\"): \"{right}\" is not in the vocabulary");
            int merged = vocabulary.TryGetValue(left + right, out int m) ? m : throw new ArgumentException($"merge {rank} (\"{left} {right}\"): \"{left + right}\" is not in the vocabulary");
            this.merges.TryAdd(Key(a, b), (rank, merged));
        }
    }

    /// <summary>id → token; null where the vocabulary skips an id.</summary>
    public string?[] Tokens { get; }

    public int UnknownId { get; }
    public bool FuseUnknown { get; }
    public bool ByteFallback { get; }
    public bool IgnoreMerges { get; }
    public int MergeCount => merges.Count;

    public int VocabularySize => Tokens.Length;

    public string? TokenOf(int id) => id >= 0 && id < Tokens.Length ? Tokens[id] : null;

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => vocabularyBySpan.TryGetValue(token, out id);

    /// <summary>Appends the tokens of <paramref name="word"/> with their [Start, End) in its UTF-16 units.</summary>
    public void Tokenize(ReadOnlySpan<char> word, List<SubwordPiece> output)
    {
        if (word.IsEmpty)
            return;
        if (cacheBySpan.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        int first = output.Count;
        if (IgnoreMerges && vocabularyBySpan.TryGetValue(word, out int whole))
            output.Add(new SubwordPiece(whole, 0, word.Length));
        else
            Merge(word, output);
        if (word.Length <= CachedWordLength && Volatile.Read(ref cacheEntries) < CacheCapacity
            && cacheBySpan.TryAdd(word, [.. output.GetRange(first, output.Count - first)]))
            Interlocked.Increment(ref cacheEntries);
    }

    private void Merge(ReadOnlySpan<char> word, List<SubwordPiece> output)
    {
        var w = scratch ??= new Workspace();
        w.Reset(word.Length * 4);
        // the initial symbols: one per character, byte fallback or unknown where the character is not a token
        for (int i = 0; i < word.Length;)
        {
            int width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            int cp = width == 2 ? char.ConvertToUtf32(word[i], word[i + 1]) : word[i];
            int id = cp < smallCharacterIds.Length ? smallCharacterIds[cp] : characterIds.GetValueOrDefault(cp, -1);
            if (id >= 0)
                w.Push(id, i, width);
            else if (ByteFallback && FallbackIds(word.Slice(i, width), out var ids))
            {
                // every byte is its own symbol over the whole character, as tokenizers' byte_fallback does
                foreach (int b in ids)
                    w.Push(b, i, width, mergeable: false);
            }
            else if (UnknownId >= 0)
            {
                if (FuseUnknown && w.Count > 0 && w.Ids[w.Count - 1] == UnknownId)
                    w.Lengths[w.Count - 1] += width;
                else
                    w.Push(UnknownId, i, width);
            }
            i += width;
        }
        for (int s = 0; s + 1 < w.Count; s++)
            Enqueue(w, s);
        while (w.Queue.TryDequeue(out var top, out _))
        {
            int s = top.Position;
            if (w.Lengths[s] == 0 || w.Next[s] < 0)
                continue;
            int next = w.Next[s];
            if (!merges.TryGetValue(Key(w.Ids[s], w.Ids[next]), out var merge) || merge.NewId != top.NewId || !w.Mergeable[s] || !w.Mergeable[next])
                continue;
            w.Ids[s] = merge.NewId;
            w.Lengths[s] += w.Lengths[next];
            w.Lengths[next] = 0;
            w.Next[s] = w.Next[next];
            if (w.Next[s] >= 0)
                w.Previous[w.Next[s]] = s;
            if (w.Previous[s] >= 0)
                Enqueue(w, w.Previous[s]);
            if (w.Next[s] >= 0)
                Enqueue(w, s);
        }
        for (int s = 0; s >= 0 && s < w.Count; s = w.Next[s])
        {
            if (w.Lengths[s] > 0)
                output.Add(new SubwordPiece(w.Ids[s], w.Starts[s], w.Starts[s] + w.Lengths[s]));
        }
    }

    private void Enqueue(Workspace w, int s)
    {
        int next = w.Next[s];
        if (next >= 0 && merges.TryGetValue(Key(w.Ids[s], w.Ids[next]), out var merge))
            w.Queue.Enqueue((s, merge.NewId), ((long)merge.Rank << 32) | (uint)s);
    }

    private bool FallbackIds(ReadOnlySpan<char> character, out int[] ids)
    {
        Span<byte> bytes = stackalloc byte[4];
        int count = Encoding.UTF8.GetBytes(character, bytes);
        ids = new int[count];
        for (int k = 0; k < count; k++)
        {
            ids[k] = byteFallbackIds[bytes[k]];
            if (ids[k] < 0)
                return false;
        }
        return true;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    // the word as a linked list of symbols (word.rs's Symbol); removed symbols keep length 0
    private sealed class Workspace
    {
        public int[] Ids = new int[64], Starts = new int[64], Lengths = new int[64], Previous = new int[64], Next = new int[64];
        public bool[] Mergeable = new bool[64];
        public int Count;
        public readonly PriorityQueue<(int Position, int NewId), long> Queue = new();

        public void Reset(int capacity)
        {
            Count = 0;
            Queue.Clear();
            if (Ids.Length >= capacity)
                return;
            Ids = new int[capacity];
            Starts = new int[capacity];
            Lengths = new int[capacity];
            Previous = new int[capacity];
            Next = new int[capacity];
            Mergeable = new bool[capacity];
        }

        public void Push(int id, int start, int length, bool mergeable = true)
        {
            Ids[Count] = id;
            Starts[Count] = start;
            Lengths[Count] = length;
            Previous[Count] = Count - 1;
            Next[Count] = -1;
            if (Count > 0)
                Next[Count - 1] = Count;
            Mergeable[Count++] = mergeable;
        }
    }
}
