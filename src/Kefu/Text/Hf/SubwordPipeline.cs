using Kefu.Text.Bpe;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

/// <summary>One token of a word: its id and its [Start, End) in the word's UTF-16 units.</summary>
internal readonly record struct SubwordPiece(int Id, int Start, int End);

/// <summary>A model that cuts one pre-tokenized word into tokens: BPE or Unigram.</summary>
internal interface ISubwordModel
{
    /// <summary>Appends the tokens of <paramref name="word"/> with their ranges in its UTF-16 units.</summary>
    void Tokenize(ReadOnlySpan<char> word, List<SubwordPiece> output);

    bool TryGetId(ReadOnlySpan<char> token, out int id);

    string? TokenOf(int id);

    int VocabularySize { get; }
}

/// <summary>
/// One pre-tokenizer step of a BPE or Unigram tokenizer: a split (<see cref="PreTokenizerStep"/>) or a rewrite of each
/// piece's text (ByteLevel's add_prefix_space, Metaspace's replacement), as tokenizers applies every pre-tokenizer
/// to each split the ones before it made.
/// </summary>
internal abstract record PieceStep
{
    public sealed record Split(PreTokenizerStep Step) : PieceStep;

    /// <summary>Replaces <paramref name="Replace"/> with <paramref name="With"/> in each piece (none when Replace is '\0'),
    /// then prepends <paramref name="Prefix"/> to a piece that does not start with it, when <paramref name="Prepend"/> says so.</summary>
    public sealed record Rewrite(char Replace, char With, char Prefix, PrependScheme Prepend) : PieceStep;
}

/// <summary>When a prefix goes before a piece (tokenizers' Metaspace PrependScheme; ByteLevel's add_prefix_space is Always).</summary>
internal enum PrependScheme
{
    Never,
    Always,
    First, // only before the piece that starts the text
}

/// <summary>
/// tokenizers' Tokenizer.encode for one sequence with a BPE or Unigram model, before the post-processor: added tokens
/// matched in the original text, each stretch between them normalized, normalized added tokens matched, pre-tokenized,
/// turned into GPT-2's byte characters when the tokenizer is byte-level, then cut by the model. Every token keeps the
/// original UTF-16 range it covers; a token holding part of a character's bytes covers the whole character.
/// Thread-safe: scratch buffers are per thread.
/// </summary>
internal sealed class SubwordPipeline
{
    private readonly NormalizerStep[] normalizer;
    private readonly PieceStep[] preTokenizer;
    private readonly AddedTokenMatcher raw, normalized;

    [ThreadStatic]
    private static Workspace? scratch;

    public SubwordPipeline(NormalizerStep[] normalizer, PieceStep[] preTokenizer, bool byteLevel, ISubwordModel model, IReadOnlyList<AddedToken> addedTokens)
    {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        ByteLevel = byteLevel;
        Model = model;
        AddedTokens = addedTokens;
        raw = new AddedTokenMatcher(addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        normalized = new AddedTokenMatcher(addedTokens.Where(t => t.Normalized).Select(t => (Normalize(t.Content), t)));
    }

    public bool ByteLevel { get; }
    public ISubwordModel Model { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>
    /// The tokens of <paramref name="text"/>: ids with original [Start, End) ranges and word ids, in order. A token's
    /// word is the index of the split it came from, as tokenizers' word_ids(): the splits are the added tokens and the
    /// non-empty pieces the pre-tokenizer leaves, counted in order (PreTokenizedString::into_encoding).
    /// </summary>
    public List<(int Id, int Start, int End, int Word)> Tokenize(string text)
    {
        var work = scratch ??= new Workspace();
        var tokens = new List<(int Id, int Start, int End, int Word)>();
        work.Matches.Clear();
        if (!raw.IsEmpty)
            raw.FindMatches(text, work.Matches);
        int from = 0, word = 0;
        foreach (var (start, end, id) in work.Matches)
        {
            Stretch(text, from, start, work, tokens, ref word);
            tokens.Add((id, start, end, word++));
            from = end;
        }
        Stretch(text, from, text.Length, work, tokens, ref word);
        return tokens;
    }

    /// <summary>What the normalizer makes of <paramref name="text"/> (tokenizers' normalize_str).</summary>
    public string Normalize(string text)
    {
        var a = new NormalizedText();
        a.SetOriginal(text, 0, text.Length);
        return NormalizerStep.Run(normalizer, a, new NormalizedText()).ToString();
    }

    private void Stretch(string text, int from, int to, Workspace work, List<(int, int, int, int)> tokens, ref int word)
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
                Words(normal, at, start, from == 0 && at == 0, work, tokens, ref word);
                var (s, e) = normal.Original(start, end);
                tokens.Add((id, s, e, word++));
                at = end;
            }
        }
        Words(normal, at, normal.Length, from == 0 && at == 0, work, tokens, ref word);
    }

    // normal[start, end): pre-tokenize, then the model on each piece; each non-empty piece is one word
    private void Words(NormalizedText normal, int start, int end, bool startsText, Workspace work, List<(int, int, int, int)> tokens, ref int word)
    {
        if (end <= start)
            return;
        var text = normal;
        var pieces = work.Pieces;
        pieces.Clear();
        pieces.Add((start, end));
        foreach (var step in preTokenizer)
        {
            if (step is PieceStep.Split split)
            {
                work.Spare.Clear();
                foreach (var piece in pieces)
                    split.Step.Split(text, piece, work.Spare);
                pieces.Clear();
                pieces.AddRange(work.Spare);
            }
            else
            {
                var target = ReferenceEquals(text, work.C) ? work.D : work.C;
                Rewrite(text, pieces, (PieceStep.Rewrite)step, startsText, target);
                text = target;
            }
        }
        foreach (var (s, e) in pieces)
        {
            if (e <= s)
                continue;
            work.Output.Clear();
            if (ByteLevel)
            {
                int count = work.ToBytes(text.Chars[s..e]);
                Model.Tokenize(work.ByteChars.AsSpan(0, count), work.Output);
                foreach (var piece in work.Output)
                {
                    var (os, oe) = text.Original(s + work.UnitStart[piece.Start], s + work.UnitEnd[piece.End - 1]);
                    tokens.Add((piece.Id, os, oe, word));
                }
            }
            else
            {
                Model.Tokenize(text.Chars[s..e], work.Output);
                foreach (var piece in work.Output)
                {
                    var (os, oe) = text.Original(s + piece.Start, s + piece.End);
                    tokens.Add((piece.Id, os, oe, word));
                }
            }
            word++;
        }
    }

    // rewrites every piece into target (units outside pieces are dropped) and moves the ranges along
    private static void Rewrite(NormalizedText source, List<(int Start, int End)> pieces, PieceStep.Rewrite step, bool startsText, NormalizedText target)
    {
        target.Clear();
        for (int p = 0; p < pieces.Count; p++)
        {
            var (s, e) = pieces[p];
            int begin = target.Length;
            char first = step.Replace != '\0' && source[s] == step.Replace ? step.With : source[s];
            bool prepend = step.Prepend == PrependScheme.Always || (step.Prepend == PrependScheme.First && startsText && p == 0);
            if (prepend && first != step.Prefix)
                target.Append(step.Prefix, source.StartOf(s), source.EndOf(s));
            for (int i = s; i < e; i++)
                target.Append(step.Replace != '\0' && source[i] == step.Replace ? step.With : source[i], source.StartOf(i), source.EndOf(i));
            pieces[p] = (begin, target.Length);
        }
    }

    private sealed class Workspace
    {
        public readonly NormalizedText A = new(), B = new(), C = new(), D = new();
        public readonly List<(int Start, int End)> Pieces = [], Spare = [];
        public readonly List<(int Start, int End, int Id)> Matches = [], NormalizedMatches = [];
        public readonly List<SubwordPiece> Output = [];
        public char[] ByteChars = new char[256];
        public int[] UnitStart = new int[256], UnitEnd = new int[256];

        // UTF-8 of the units as byte characters; for byte k, [UnitStart[k], UnitEnd[k]) are the units of its character.
        // A lone surrogate is encoded as U+FFFD, as .NET's UTF-8 encoder does.
        public int ToBytes(ReadOnlySpan<char> units)
        {
            if (ByteChars.Length < units.Length * 3)
            {
                int size = units.Length * 3;
                ByteChars = new char[size];
                UnitStart = new int[size];
                UnitEnd = new int[size];
            }
            Span<byte> bytes = stackalloc byte[4];
            int count = 0;
            for (int i = 0; i < units.Length;)
            {
                int width = char.IsHighSurrogate(units[i]) && i + 1 < units.Length && char.IsLowSurrogate(units[i + 1]) ? 2 : 1;
                int n;
                if (units[i] < 0x80)
                {
                    bytes[0] = (byte)units[i];
                    n = 1;
                }
                else
                {
                    n = System.Text.Encoding.UTF8.GetBytes(units.Slice(i, width), bytes);
                }
                for (int k = 0; k < n; k++, count++)
                {
                    ByteChars[count] = Bpe.ByteLevel.CharOf(bytes[k]);
                    UnitStart[count] = i;
                    UnitEnd[count] = i + width;
                }
                i += width;
            }
            return count;
        }
    }
}
