using System.Globalization;

namespace Kefu.Text.WordPiece;

/// <summary>
/// Unicode NFD, NFC, NFKD and NFKC (UAX #15) from the tables in <see cref="UnicodeData"/>, because the runtime runs with
/// invariant globalization, where string.Normalize leaves non-ASCII text unchanged. Hangul syllables are (de)composed
/// algorithmically. The aligned form follows tokenizers' unicode-normalization-alignments: each code point's
/// decomposition is written as (first, change 0), (rest, +1); canonical reordering moves the changes with the code
/// points; a composition folds the absorbed code point's change, minus one, into its starter.
/// </summary>
public static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Tables Data = new();

    [ThreadStatic]
    private static List<(int Cp, int Change)>? scratch;

    /// <summary>Canonical decomposition, marks in canonical order.</summary>
    public static string Nfd(string text) => Apply(text, compose: false, compatibility: false);

    /// <summary>Canonical decomposition followed by canonical composition.</summary>
    public static string Nfc(string text) => Apply(text, compose: true, compatibility: false);

    /// <summary>Compatibility decomposition ("ﬁ" → "fi", "Ａ" → "A"), marks in canonical order.</summary>
    public static string Nfkd(string text) => Apply(text, compose: false, compatibility: true);

    /// <summary>Compatibility decomposition followed by canonical composition.</summary>
    public static string Nfkc(string text) => Apply(text, compose: true, compatibility: true);

    /// <summary>NFD without the non-spacing marks (tokenizers' category Mn): BERT's accent stripping, "Café" → "Cafe".</summary>
    public static string StripAccents(string text)
    {
        var source = new NormalizedText();
        source.SetOriginal(text, 0, text.Length);
        var decomposed = new NormalizedText();
        Normalize(source, decomposed, compose: false, compatibility: false);
        var kept = new System.Text.StringBuilder(decomposed.Length);
        for (int i = 0; i < decomposed.Length; i++)
        {
            int cp = decomposed.CodePointAt(i, out int width);
            if (!BertCharacters.IsNonSpacingMark(cp))
                kept.Append(decomposed.Chars.Slice(i, width));
            i += width - 1;
        }
        return kept.ToString();
    }

    /// <summary>Writes the normal form of <paramref name="source"/> to <paramref name="target"/>, alignments carried.</summary>
    internal static void Normalize(NormalizedText source, NormalizedText target, bool compose, bool compatibility)
    {
        if (Data.IsStable(source.Chars, compatibility))
        {
            for (int i = 0; i < source.Length; i++)
                target.Append(source[i], source.StartOf(i), source.EndOf(i));
            return;
        }
        var cps = scratch ??= [];
        cps.Clear();
        for (int i = 0, width; i < source.Length; i += width)
        {
            int cp = source.CodePointAt(i, out width);
            int first = cps.Count;
            Decompose(cp, compatibility, cps);
            cps[first] = (cps[first].Cp, 0);
        }
        // canonical ordering: a stable sort of each run of non-starters by combining class, changes moving along
        for (int i = 1; i < cps.Count; i++)
        {
            int ccc = Data.CombiningClass(cps[i].Cp);
            if (ccc == 0)
                continue;
            for (int j = i; j > 0 && Data.CombiningClass(cps[j - 1].Cp) > ccc; j--)
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
        }
        if (compose)
            Compose(cps);
        var writer = new AlignedWriter(source, target);
        foreach (var (cp, change) in cps)
            writer.Write(cp, change);
    }

    internal static int CombiningClass(int cp) => Data.CombiningClass(cp);

    private static string Apply(string text, bool compose, bool compatibility)
    {
        if (System.Text.Ascii.IsValid(text))
            return text;
        var source = new NormalizedText();
        source.SetOriginal(text, 0, text.Length);
        var target = new NormalizedText();
        Normalize(source, target, compose, compatibility);
        return target.ToString();
    }

    // appends the full decomposition, every part with change +1 (the caller marks the first 0)
    private static void Decompose(int cp, bool compatibility, List<(int Cp, int Change)> output)
    {
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add((LBase + s / NCount, 1));
            output.Add((VBase + s % NCount / TCount, 1));
            if (s % TCount != 0)
                output.Add((TBase + s % TCount, 1));
            return;
        }
        if (cp >= 0xA0 && Data.Decompositions.TryGetValue(cp, out var entry) && (compatibility || !entry.Compatibility))
        {
            foreach (int part in entry.Parts)
                Decompose(part, compatibility, output);
            return;
        }
        output.Add((cp, 1));
    }

    // UAX #15 canonical composition over a decomposed, canonically ordered sequence
    private static void Compose(List<(int Cp, int Change)> cps)
    {
        if (cps.Count == 0)
            return;
        int starterAt = 0, written = 1;
        int starter = cps[0].Cp;
        int lastClass = Data.CombiningClass(starter) == 0 ? 0 : 256;
        for (int i = 1; i < cps.Count; i++)
        {
            var (cp, change) = cps[i];
            int ccc = Data.CombiningClass(cp);
            int composite = Pair(starter, cp);
            if (composite >= 0 && (lastClass < ccc || lastClass == 0))
            {
                cps[starterAt] = (starter = composite, cps[starterAt].Change + change - 1);
                continue;
            }
            if (ccc == 0)
            {
                starterAt = written;
                starter = cp;
            }
            lastClass = ccc;
            cps[written++] = (cp, change);
        }
        cps.RemoveRange(written, cps.Count - written);
    }

    private static int Pair(int first, int second)
    {
        int l = first - LBase, v = second - VBase;
        if (l is >= 0 and < LCount && v is >= 0 and < VCount)
            return SBase + (l * VCount + v) * TCount;
        int s = first - SBase, t = second - TBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && t is > 0 and < TCount)
            return first + t;
        return Data.Compositions.TryGetValue((first, second), out int composite) ? composite : -1;
    }

    private sealed class Tables
    {
        private readonly Dictionary<int, int> combiningClasses = [];

        // bit 1: canonical forms may change the code point or what is next to it; bit 2: compatibility forms may
        private readonly byte[] unstable = new byte[0x10000];

        public Tables()
        {
            foreach (var entry in UnicodeData.Decompositions.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                bool excluded = entry[0] == '!', compatibility = entry[0] == '~';
                var (cp, rest) = Split(entry[(excluded || compatibility ? 1 : 0)..], '=');
                int[] parts = [.. rest.Split(' ').Select(Hex)];
                Decompositions[Hex(cp)] = (parts, compatibility);
                if (!excluded && !compatibility && parts.Length == 2)
                    Compositions[(parts[0], parts[1])] = Hex(cp);
            }
            foreach (var entry in UnicodeData.CombiningClasses.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var (range, ccc) = Split(entry, ':');
                var (start, end) = Split(range, '-');
                for (int cp = Hex(start); cp <= Hex(end); cp++)
                    combiningClasses[cp] = int.Parse(ccc, CultureInfo.InvariantCulture);
            }
            // Basic Multilingual Plane code points that every form leaves as they are, whatever surrounds them
            foreach (var (cp, (_, compatibility)) in Decompositions)
                Unstable(cp, compatibility);
            foreach (var (cp, _) in combiningClasses)
                Unstable(cp, compatibility: false);
            foreach (var ((_, second), _) in Compositions)
                Unstable(second, compatibility: false);
            for (int cp = SBase; cp < SBase + SCount; cp++)
                Unstable(cp, compatibility: false);
            for (int cp = VBase; cp < TBase + TCount; cp++)
                Unstable(cp, compatibility: false);
        }

        public Dictionary<int, (int[] Parts, bool Compatibility)> Decompositions { get; } = [];
        public Dictionary<(int, int), int> Compositions { get; } = [];

        public int CombiningClass(int cp) => cp < 0x300 ? 0 : combiningClasses.GetValueOrDefault(cp);

        /// <summary>Whether no unit is a surrogate or a code point the form could change (a quick check for the usual text).</summary>
        public bool IsStable(ReadOnlySpan<char> text, bool compatibility)
        {
            int mask = compatibility ? 3 : 1;
            foreach (char c in text)
            {
                if (c >= 0xA0 && ((unstable[c] & mask) != 0 || char.IsSurrogate(c)))
                    return false;
            }
            return true;
        }

        private void Unstable(int cp, bool compatibility)
        {
            if (cp < 0x10000)
                unstable[cp] |= (byte)(compatibility ? 2 : 1);
        }

        private static (string Left, string Right) Split(string text, char separator)
        {
            int at = text.IndexOf(separator);
            return (text[..at], text[(at + 1)..]);
        }

        private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
