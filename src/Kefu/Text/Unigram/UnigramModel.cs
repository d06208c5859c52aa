using System.Text;
using Kefu.Text.Hf;

namespace Kefu.Text.Unigram;

/// <summary>
/// tokenizers' Unigram model (models/unigram/model.rs, encode_optimized), SentencePiece's unigram language model:
/// the segmentation of a word into vocabulary pieces with the highest total log-probability (score), found by Viterbi
/// over every piece that starts at each character. A character no single-character piece covers gets an unknown node
/// scored min_score - 10 (kUnkPenalty); runs of unknown pieces are fused into one; with byte_fallback an unknown piece
/// becomes its UTF-8 bytes as "&lt;0xXX&gt;" tokens when all of them exist. Ties keep the first path found.
/// </summary>
internal sealed class UnigramModel : ISubwordModel
{
    private const double UnknownPenalty = 10.0;

    private readonly string[] pieces;
    private readonly double[] scores;
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> idsBySpan;
    private readonly int maxPieceLength;
    private readonly double unknownScore;
    private readonly int[] byteIds = new int[256];

    /// <param name="vocabulary">[piece, score] in id order.</param>
    /// <param name="unknownId">The unknown piece's id; null when the model has none (then a character nothing covers is an error).</param>
    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocabulary, int? unknownId, bool byteFallback)
    {
        pieces = [.. vocabulary.Select(v => v.Piece)];
        scores = [.. vocabulary.Select(v => v.Score)];
        for (int id = 0; id < pieces.Length; id++)
        {
            ids.TryAdd(pieces[id], id);
            maxPieceLength = Math.Max(maxPieceLength, pieces[id].Length);
        }
        idsBySpan = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = unknownId;
        ByteFallback = byteFallback;
        unknownScore = (scores.Length == 0 ? 0 : scores.Min()) - UnknownPenalty;
        for (int b = 0; b < 256; b++)
            byteIds[b] = ids.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
    }

    public int? UnknownId { get; }
    public bool ByteFallback { get; }
    public int VocabularySize => pieces.Length;

    public string? TokenOf(int id) => id >= 0 && id < pieces.Length ? pieces[id] : null;

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => idsBySpan.TryGetValue(token, out id);

    public double ScoreOf(int id) => scores[id];

    public void Tokenize(ReadOnlySpan<char> word, List<SubwordPiece> output)
    {
        if (word.IsEmpty)
            return;
        int n = word.Length;
        // best[e]: the best path over word[0, e): its score, the start of its last piece and that piece's id (-1 unknown)
        var bestScore = new double[n + 1];
        var bestStart = new int[n + 1];
        var bestId = new int[n + 1];
        Array.Fill(bestStart, -1);
        bestStart[0] = 0;
        for (int start = 0; start < n;)
        {
            int width = Width(word, start);
            if (bestStart[start] < 0 && start > 0)
            {
                start += width;
                continue;
            }
            bool single = false;
            for (int end = start + Width(word, start); end <= n && end - start <= maxPieceLength; end += end < n ? Width(word, end) : 1)
            {
                if (!idsBySpan.TryGetValue(word[start..end], out int id))
                    continue;
                single |= end - start == width;
                Relax(start, end, id, scores[id], bestScore, bestStart, bestId);
            }
            if (!single)
            {
                if (UnknownId is null)
                    throw new InvalidOperationException($"The Unigram model has no unk_id and no piece for \"{word.Slice(start, width).ToString()}\".");
                Relax(start, start + width, -1, unknownScore, bestScore, bestStart, bestId);
            }
            start += width;
        }

        var path = new List<(int Start, int End, int Id)>();
        for (int end = n; end > 0; end = bestStart[end])
        {
            int start = bestStart[end];
            // fuse_unk: unknown pieces next to each other become one
            if (bestId[end] < 0 && path.Count > 0 && path[^1].Id < 0 && path[^1].Start == end)
                path[^1] = (start, path[^1].End, -1);
            else
                path.Add((start, end, bestId[end]));
        }
        path.Reverse();
        foreach (var (start, end, pieceId) in path)
        {
            int id = pieceId;
            if (id < 0 && idsBySpan.TryGetValue(word[start..end], out int found))
                id = found;
            if (id >= 0)
            {
                output.Add(new SubwordPiece(id, start, end));
                continue;
            }
            if (ByteFallback && Bytes(word[start..end]) is { } bytes)
            {
                foreach (int b in bytes)
                    output.Add(new SubwordPiece(b, start, end));
                continue;
            }
            output.Add(new SubwordPiece(UnknownId!.Value, start, end));
        }
    }

    private static void Relax(int start, int end, int id, double score, double[] bestScore, int[] bestStart, int[] bestId)
    {
        double candidate = bestScore[start] + score;
        if (bestStart[end] < 0 || (end > 0 && candidate > bestScore[end]))
        {
            bestScore[end] = candidate;
            bestStart[end] = start;
            bestId[end] = id;
        }
    }

    private int[]? Bytes(ReadOnlySpan<char> text)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ToArray());
        var result = new int[bytes.Length];
        for (int k = 0; k < bytes.Length; k++)
        {
            result[k] = byteIds[bytes[k]];
            if (result[k] < 0)
                return null;
        }
        return result;
    }

    private static int Width(ReadOnlySpan<char> word, int at) =>
        char.IsHighSurrogate(word[at]) && at + 1 < word.Length && char.IsLowSurrogate(word[at + 1]) ? 2 : 1;
}
