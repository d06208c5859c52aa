namespace Kefu.Text.WordPiece;

/// <summary>
/// A WordPiece vocabulary (vocab.txt: one token per line, the id is the 0-based line number) and Hugging Face's
/// greedy longest-match-first segmentation: continuation pieces carry the "##" prefix, and a word with a part
/// that matches nothing, or longer than <see cref="MaxCharactersPerWord"/> code points, becomes the unknown token.
/// </summary>
public sealed class WordPieceVocabulary
{
    public const string ContinuationPrefix = "##";
    public const int MaxCharactersPerWord = 100;

    private readonly string[] tokens;
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

    public int Count => tokens.Length;

    public string this[int id] => tokens[id];

    public bool TryGetId(string token, out int id) => ids.TryGetValue(token, out id);

    /// <summary>The token's id, or an error that names the missing token and what it was needed for.</summary>
    public int RequireId(string token, string role) =>
        ids.TryGetValue(token, out int id) ? id : throw new InvalidDataException($"The WordPiece vocabulary has no {role} token \"{token}\".");

    /// <summary>Appends the ids of <paramref name="word"/>'s pieces (or <paramref name="unknownId"/> once) to <paramref name="output"/>.</summary>
    public void Segment(string word, int unknownId, List<int> output)
    {
        if (CodePoints(word) > MaxCharactersPerWord)
        {
            output.Add(unknownId);
            return;
        }
        int mark = output.Count;
        Span<char> buffer = word.Length + ContinuationPrefix.Length <= 256 ? stackalloc char[word.Length + ContinuationPrefix.Length] : new char[word.Length + ContinuationPrefix.Length];
        ContinuationPrefix.AsSpan().CopyTo(buffer);
        for (int start = 0; start < word.Length;)
        {
            int found = -1, end = word.Length;
            for (; end > start; end = PreviousBoundary(word, end))
            {
                scoped ReadOnlySpan<char> piece = word.AsSpan(start, end - start);
                if (start > 0)
                {
                    piece.CopyTo(buffer[ContinuationPrefix.Length..]);
                    piece = buffer[..(ContinuationPrefix.Length + end - start)];
                }
                if (spanIds.TryGetValue(piece, out found))
                    break;
                found = -1;
            }
            if (found < 0)
            {
                output.RemoveRange(mark, output.Count - mark);
                output.Add(unknownId);
                return;
            }
            output.Add(found);
            start = end;
        }
    }

    private static int CodePoints(string word)
    {
        int count = 0;
        foreach (var _ in word.EnumerateRunes())
            count++;
        return count;
    }

    // pieces end on code point boundaries, never between the halves of a surrogate pair
    private static int PreviousBoundary(string word, int end) =>
        end >= 2 && char.IsLowSurrogate(word[end - 1]) && char.IsHighSurrogate(word[end - 2]) ? end - 2 : end - 1;
}
