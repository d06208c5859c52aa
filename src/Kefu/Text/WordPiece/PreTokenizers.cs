namespace Kefu.Text.WordPiece;

/// <summary>What a split does with the pieces that match (tokenizers' SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>
/// One tokenizers pre-tokenizer: splits each piece, a [Start, End) range of normalized units, into smaller pieces.
/// Empty pieces are dropped, as tokenizers' PreTokenizedString.split does.
/// </summary>
internal abstract class PreTokenizerStep
{
    public abstract void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output);

    /// <summary>Runs the steps in turn over <paramref name="pieces"/>; the result is left in <paramref name="pieces"/>.</summary>
    public static void Run(PreTokenizerStep[] steps, NormalizedText text, List<(int Start, int End)> pieces, List<(int Start, int End)> spare)
    {
        foreach (var step in steps)
        {
            spare.Clear();
            foreach (var piece in pieces)
                step.Split(text, piece, spare);
            pieces.Clear();
            pieces.AddRange(spare);
        }
    }

    /// <summary>Where a split of one piece stands: whether the last part matched, and where its parts begin in the output.</summary>
    protected struct SplitState(int first)
    {
        public bool PreviousMatch;
        public readonly int First = first;
    }

    // adds the part [start, end), a match or the text between matches, as tokenizers' NormalizedString.split does
    // with the behaviour
    protected static void Emit(List<(int Start, int End)> output, int start, int end, bool isMatch, SplitBehavior behavior, ref SplitState state)
    {
        if (end <= start)
            return;
        bool hasLast = output.Count > state.First;
        bool merge = behavior switch
        {
            SplitBehavior.Removed => false,
            SplitBehavior.Isolated => false,
            SplitBehavior.Contiguous => hasLast && isMatch == state.PreviousMatch,
            SplitBehavior.MergedWithPrevious => hasLast && isMatch && !state.PreviousMatch,
            // tokenizers folds from the end: a match merges into the part after it when that part is no match
            _ => hasLast && !isMatch && state.PreviousMatch,
        };
        if (merge)
            output[^1] = (output[^1].Start, end);
        else if (!(behavior == SplitBehavior.Removed && isMatch))
            output.Add((start, end));
        state.PreviousMatch = isMatch;
    }
}

/// <summary>Splits where single characters match a class: every matching character is its own match.</summary>
internal sealed class CharacterSplit(CharacterSplit.Kind kind, SplitBehavior behavior, int delimiter = 0) : PreTokenizerStep
{
    public enum Kind
    {
        Whitespace, // WhitespaceSplit: char::is_whitespace, removed
        Punctuation, // Punctuation: ASCII punctuation and P*
        Numeric, // Digits: char::is_numeric
        Delimiter, // CharDelimiterSplit
    }

    public override void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output)
    {
        var state = new SplitState(output.Count);
        int run = piece.Start;
        for (int i = piece.Start, width; i < piece.End; i += width)
        {
            int cp = text.CodePointAt(i, out width);
            bool match = kind switch
            {
                Kind.Whitespace => BertCharacters.IsWhitespace(cp),
                Kind.Punctuation => BertCharacters.IsPunctuation(cp),
                Kind.Numeric => BertCharacters.IsNumeric(cp),
                _ => cp == delimiter,
            };
            if (!match)
                continue;
            Emit(output, run, i, false, behavior, ref state);
            Emit(output, i, i + width, true, behavior, ref state);
            run = i + width;
        }
        Emit(output, run, piece.End, false, behavior, ref state);
    }
}

/// <summary>tokenizers' BertPreTokenizer: whitespace removed, then each punctuation character isolated.</summary>
internal sealed class BertPreTokenizerStep : PreTokenizerStep
{
    public override void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output)
    {
        int run = piece.Start;
        for (int i = piece.Start, width; i < piece.End; i += width)
        {
            int cp = text.CodePointAt(i, out width);
            bool space = BertCharacters.IsWhitespace(cp);
            if (!space && !BertCharacters.IsPunctuation(cp))
                continue;
            if (i > run)
                output.Add((run, i));
            if (!space)
                output.Add((i, i + width));
            run = i + width;
        }
        if (piece.End > run)
            output.Add((run, piece.End));
    }
}

/// <summary>tokenizers' Whitespace pre-tokenizer, the regex \w+|[^\w\s]+ with Rust regex's Unicode classes.</summary>
internal sealed class WhitespacePreTokenizerStep : PreTokenizerStep
{
    public override void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output)
    {
        int run = -1, runKind = 0; // 1 word characters, 2 other non-space characters
        for (int i = piece.Start, width; i < piece.End; i += width)
        {
            int cp = text.CodePointAt(i, out width);
            int kind = BertCharacters.IsWord(cp) ? 1 : BertCharacters.IsWhitespace(cp) ? 0 : 2;
            if (kind == runKind)
                continue;
            if (runKind != 0)
                output.Add((run, i));
            run = i;
            runKind = kind;
        }
        if (runKind != 0)
            output.Add((run, piece.End));
    }
}

/// <summary>tokenizers' Split pre-tokenizer with a literal pattern: leftmost non-overlapping matches, optionally inverted.</summary>
internal sealed class LiteralSplit(string pattern, SplitBehavior behavior, bool invert) : PreTokenizerStep
{
    public override void Split(NormalizedText text, (int Start, int End) piece, List<(int Start, int End)> output)
    {
        var state = new SplitState(output.Count);
        var chars = text.Chars;
        int i = piece.Start;
        while (i < piece.End)
        {
            int at = chars[i..piece.End].IndexOf(pattern, StringComparison.Ordinal);
            if (at < 0)
                break;
            Emit(output, i, i + at, invert, behavior, ref state);
            Emit(output, i + at, i + at + pattern.Length, !invert, behavior, ref state);
            i += at + pattern.Length;
        }
        Emit(output, i, piece.End, invert, behavior, ref state);
    }
}
