using System.Globalization;
using System.Text;

namespace Kefu.Text.WordPiece;

/// <summary>
/// Unicode NFD and NFC (UAX #15) from the tables in <see cref="UnicodeData"/>, because the runtime runs with invariant
/// globalization, where string.Normalize leaves non-ASCII text unchanged. Hangul syllables are (de)composed algorithmically.
/// </summary>
public static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Tables Data = new();

    /// <summary>Canonical decomposition, marks in canonical order.</summary>
    public static string Nfd(string text) => IsAscii(text) ? text : Encode(Decompose(text));

    /// <summary>Canonical decomposition followed by canonical composition.</summary>
    public static string Nfc(string text) => IsAscii(text) ? text : Encode(Compose(Decompose(text)));

    /// <summary>NFD without the non-spacing marks (category Mn): BERT's accent stripping, "Café" → "Cafe".</summary>
    public static string StripAccents(string text)
    {
        if (IsAscii(text))
            return text;
        var kept = Decompose(text);
        kept.RemoveAll(cp => CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.NonSpacingMark);
        return Encode(kept);
    }

    private static bool IsAscii(string text) => Ascii.IsValid(text);

    private static List<int> Decompose(string text)
    {
        var output = new List<int>(text.Length + 4);
        foreach (var rune in text.EnumerateRunes())
            DecomposeInto(rune.Value, output);
        // canonical ordering: a stable sort of each run of non-starters by combining class
        for (int i = 1; i < output.Count; i++)
        {
            int ccc = Data.CombiningClass(output[i]);
            if (ccc == 0)
                continue;
            for (int j = i; j > 0 && Data.CombiningClass(output[j - 1]) > ccc; j--)
                (output[j - 1], output[j]) = (output[j], output[j - 1]);
        }
        return output;
    }

    private static void DecomposeInto(int cp, List<int> output)
    {
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
                output.Add(TBase + s % TCount);
            return;
        }
        if (Data.Decompositions.TryGetValue(cp, out var parts))
        {
            foreach (int part in parts)
                DecomposeInto(part, output);
            return;
        }
        output.Add(cp);
    }

    // UAX #15 canonical composition over a decomposed, canonically ordered sequence
    private static List<int> Compose(List<int> cps)
    {
        if (cps.Count == 0)
            return cps;
        int starterAt = 0, written = 1, starter = cps[0];
        int lastClass = Data.CombiningClass(starter) == 0 ? 0 : 256;
        for (int i = 1; i < cps.Count; i++)
        {
            int cp = cps[i], ccc = Data.CombiningClass(cp);
            int composite = Pair(starter, cp);
            if (composite >= 0 && (lastClass < ccc || lastClass == 0))
            {
                cps[starterAt] = starter = composite;
                continue;
            }
            if (ccc == 0)
            {
                starterAt = written;
                starter = cp;
            }
            lastClass = ccc;
            cps[written++] = cp;
        }
        cps.RemoveRange(written, cps.Count - written);
        return cps;
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

    private static string Encode(List<int> cps)
    {
        var builder = new StringBuilder(cps.Count);
        foreach (int cp in cps)
            builder.Append(new Rune(cp).ToString());
        return builder.ToString();
    }

    private sealed class Tables
    {
        private readonly Dictionary<int, int> combiningClasses = [];

        public Tables()
        {
            foreach (var entry in UnicodeData.Decompositions.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                bool excluded = entry[0] == '!';
                var (cp, rest) = Split(entry[(excluded ? 1 : 0)..], '=');
                int[] parts = [.. rest.Split(' ').Select(Hex)];
                Decompositions[Hex(cp)] = parts;
                if (!excluded && parts.Length == 2)
                    Compositions[(parts[0], parts[1])] = Hex(cp);
            }
            foreach (var entry in UnicodeData.CombiningClasses.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var (range, ccc) = Split(entry, ':');
                var (start, end) = Split(range, '-');
                for (int cp = Hex(start); cp <= Hex(end); cp++)
                    combiningClasses[cp] = int.Parse(ccc, CultureInfo.InvariantCulture);
            }
        }

        public Dictionary<int, int[]> Decompositions { get; } = [];
        public Dictionary<(int, int), int> Compositions { get; } = [];

        public int CombiningClass(int cp) => cp < 0x300 ? 0 : combiningClasses.GetValueOrDefault(cp);

        private static (string Left, string Right) Split(string text, char separator)
        {
            int at = text.IndexOf(separator);
            return (text[..at], text[(at + 1)..]);
        }

        private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
