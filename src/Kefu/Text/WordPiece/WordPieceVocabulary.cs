namespace Kefu.Text.WordPiece;

/// <summary>
/// A WordPiece vocabulary (vocab.txt: one token per line, the id is the 0-based line number, or tokenizer.json's
/// model.vocab) and Hugging Face's greedy longest-match-first segmentation: continuation pieces carry a prefix ("##"),
/// and a word with a part that matches nothing, or longer than a limit (100 code points), becomes the unknown token.
/// </summary>
public sealed class WordPieceVocabulary
{
    public const string ContinuationPrefix = "##";
    public const int MaxCharactersPerWord = 100;

    private readonly string?[] tokens;
    private readonly Dictionary<string, int> ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> spanIds;

    public WordPieceVocabulary(IReadOnlyList<string> tokens)
    {
        if (tokens.Count == 0)
            throw new ArgumentException("A WordPiece vocabulary needs at least one token.", nameof(tokens));
        this.tokens = [.. tokens];
        ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
            ids[tokens[i]] = i; // a repeated line keeps its last id, as Hugging Face's load_vocab
        spanIds = ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A vocabulary given as token → id (tokenizer.json); ids need not be dense.</summary>
    public WordPieceVocabulary(IReadOnlyDictionary<string, int> ids)
    {
        if (ids.Count == 0)
            throw new ArgumentException("A WordPiece vocabulary needs at least one token.", nameof(ids));
        tokens = new string?[ids.Values.Max() + 1];
        this.ids = new Dictionary<string, int>(ids.Count, StringComparer.Ordinal);
        foreach (var (token, id) in ids)
        {
            if (id < 0)
                throw new ArgumentException($"Token \"{token}\" has a negative id {id}.", nameof(ids));
            tokens[id] = token;
            this.ids[token] = id;
        }
        spanIds = this.ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Reads vocab.txt (UTF-8). Like Hugging Face (Python text mode), lines end at "\n" or "\r\n"; other whitespace is kept.</summary>
    public static WordPieceVocabulary Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"WordPiece vocabulary '{path}' does not exist.", path);
        string text = File.ReadAllText(path);
        var lines = text.Split('\n').Select(line => line.EndsWith('\r') ? line[..^1] : line).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0)
            throw new InvalidDataException($"WordPiece vocabulary '{path}' is empty.");
        return new WordPieceVocabulary(lines);
    }

    /// <summary>One more than the largest id.</summary>
    public int Count => tokens.Length;

    /// <summary>How many distinct tokens there are (tokenizers' get_vocab_size).</summary>
    public int TokenCount => ids.Count;

    /// <summary>The token with this id ("" for an id no token has).</summary>
    public string this[int id] => tokens[id] ?? "";

    public bool TryGetId(string token, out int id) => ids.TryGetValue(token, out id);

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => spanIds.TryGetValue(token, out id);

    /// <summary>The token's id, or an error that names the missing token and what it was needed for.</summary>
    public int RequireId(string token, string role) =>
        ids.TryGetValue(token, out int id) ? id : throw new InvalidDataException($"The WordPiece vocabulary has no {role} token \"{token}\".");

    /// <summary>Appends the ids of <paramref name="word"/>'s pieces (or <paramref name="unknownId"/> once) to <paramref name="output"/>.</summary>
    public void Segment(string word, int unknownId, List<int> output)
    {
        Span<(int Id, int Start, int End)> buffer = word.Length <= 64 ? stackalloc (int, int, int)[Math.Max(word.Length, 1)] : new (int, int, int)[word.Length];
        int count = Segment(word, unknownId, ContinuationPrefix, MaxCharactersPerWord, buffer);
        foreach (var piece in buffer[..count])
            output.Add(piece.Id);
    }

    /// <summary>
    /// tokenizers' WordPiece.tokenize: writes each piece's id and its [Start, End) within <paramref name="word"/> to
    /// <paramref name="pieces"/> (room for word.Length pieces) and returns how many; the unknown token covers the whole word.
    /// </summary>
    internal int Segment(ReadOnlySpan<char> word, int unknownId, string prefix, int maxCharacters, Span<(int Id, int Start, int End)> pieces)
    {
        if (word.Length > maxCharacters && CodePoints(word) > maxCharacters)
            return Unknown(word, unknownId, pieces);
        int count = 0;
        int room = word.Length + prefix.Length;
        Span<char> buffer = room <= 256 ? stackalloc char[room] : new char[room];
        prefix.AsSpan().CopyTo(buffer);
        for (int start = 0; start < word.Length;)
        {
            int found = -1, end = word.Length;
            for (; end > start; end = PreviousBoundary(word, end))
            {
                scoped ReadOnlySpan<char> piece = word[start..end];
                if (start > 0)
                {
                    piece.CopyTo(buffer[prefix.Length..]);
                    piece = buffer[..(prefix.Length + end - start)];
                }
                if (spanIds.TryGetValue(piece, out found))
                    break;
                found = -1;
            }
            if (found < 0)
                return Unknown(word, unknownId, pieces);
            pieces[count++] = (found, start, end);
            start = end;
        }
        return count;
    }

    private static int Unknown(ReadOnlySpan<char> word, int unknownId, Span<(int Id, int Start, int End)> pieces)
    {
        pieces[0] = (unknownId, 0, word.Length);
        return 1;
    }

    private static int CodePoints(ReadOnlySpan<char> word)
    {
        int count = 0;
        foreach (var _ in word.EnumerateRunes())
            count++;
        return count;
    }

    // pieces end on code point boundaries, never between the halves of a surrogate pair
    private static int PreviousBoundary(ReadOnlySpan<char> word, int end) =>
        end >= 2 && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? end - 2 : end - 1;
}
