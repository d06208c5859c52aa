using System.Text;
using Kefu.Nlu;
using Kefu.Text;

namespace Kefu.Data.Augmentation;

/// <summary>One way to make a new example from an old one; null when it does not apply to this example.</summary>
public interface IAugmentationMethod
{
    string Name { get; }
    NluExample? Apply(NluExample example, AugmentationContext context, Random random);
}

/// <summary>Template filling: one entity's text replaced by another value of the same type (annotated examples, lookups).</summary>
public sealed class EntitySubstitution : IAugmentationMethod
{
    public string Name => "entities";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        var candidates = Enumerable.Range(0, example.Entities.Count)
            .Where(i => context.EntityValues.TryGetValue(example.Entities[i].Entity, out var v) && v.Length > 1).ToArray();
        if (candidates.Length == 0) return null;
        int index = candidates[random.Next(candidates.Length)];
        var span = example.Entities[index];
        string current = example.Text[span.Start..span.End];
        var others = context.EntityValues[span.Entity].Where(v => v != current).ToArray();
        string replacement = others[random.Next(others.Length)];
        // The span's value was the canonical one (a synonym) only for the old text: the new text is its own value.
        return TextEdits.Apply(example, [new TextEdit(span.Start, span.End, replacement)], new Dictionary<int, string> { [index] = replacement });
    }
}

/// <summary>One surface form of a synonym group replaced by another form of the same group (Rasa's `synonym:` sections).</summary>
public sealed class SynonymSubstitution : IAugmentationMethod
{
    public string Name => "synonyms";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        var found = new List<(int Start, int End, string[] Group)>();
        foreach (var group in context.SynonymGroups)
            foreach (var form in group)
                for (int at = example.Text.IndexOf(form, StringComparison.OrdinalIgnoreCase); at >= 0;
                     at = example.Text.IndexOf(form, at + 1, StringComparison.OrdinalIgnoreCase))
                    if (IsWholeWord(example.Text, at, at + form.Length)) found.Add((at, at + form.Length, group));
        if (found.Count == 0) return null;
        var (start, end, forms) = found[random.Next(found.Count)];
        string current = example.Text[start..end];
        var others = forms.Where(f => !f.Equals(current, StringComparison.OrdinalIgnoreCase)).ToArray();
        // inside an entity the span keeps its (canonical) value: that is what a synonym means
        return TextEdits.Apply(example, [new TextEdit(start, end, others[random.Next(others.Length)])]);
    }

    /// <summary>Latin words must not be cut out of longer words ("card" in "cardboard"); CJK has no word boundaries to check.</summary>
    private static bool IsWholeWord(string text, int start, int end) =>
        (start == 0 || !IsLatinLetterOrDigit(text[start - 1]) || !IsLatinLetterOrDigit(text[start])) &&
        (end == text.Length || !IsLatinLetterOrDigit(text[end]) || !IsLatinLetterOrDigit(text[end - 1]));

    private static bool IsLatinLetterOrDigit(char c) => c < 0x2E80 && char.IsLetterOrDigit(c);
}

/// <summary>
/// Typing mistakes in Latin text: a key's neighbour, a dropped, doubled or swapped letter; one mistake per ~12 letters,
/// at least one. Entity text is left alone.
/// </summary>
public sealed class KeyboardNoise : IAugmentationMethod
{
    public string Name => "typos";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        var letters = FreePositions(example, c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z');
        if (letters.Count < 3) return null;
        int mistakes = Math.Max(1, letters.Count / 12);
        var edits = new List<TextEdit>();
        foreach (int at in letters.OrderBy(_ => random.Next()).Take(mistakes).Order())
        {
            char c = example.Text[at];
            edits.Add(random.Next(4) switch
            {
                0 when NoiseTables.KeyboardNeighbours.TryGetValue(char.ToLowerInvariant(c), out var near) =>
                    new TextEdit(at, at + 1, near[random.Next(near.Length)].ToString()),
                1 => new TextEdit(at, at + 1, ""),
                2 => new TextEdit(at, at + 1, new string(c, 2)),
                _ when at + 1 < example.Text.Length && char.IsLetter(example.Text[at + 1]) && !InEntity(example, at + 1) =>
                    new TextEdit(at, at + 2, $"{example.Text[at + 1]}{c}"),
                _ => new TextEdit(at, at + 1, ""),
            });
        }
        // a swap may reach the next mistake's letter: keep the edits that do not overlap
        var kept = new List<TextEdit>();
        foreach (var e in edits) if (kept.Count == 0 || kept[^1].End <= e.Start) kept.Add(e);
        return TextEdits.Apply(example, kept);
    }

    internal static List<int> FreePositions(NluExample example, Func<char, bool> wanted) =>
        Enumerable.Range(0, example.Text.Length).Where(i => wanted(example.Text[i]) && !InEntity(example, i)).ToList();

    internal static bool InEntity(NluExample example, int at) => example.Entities.Any(s => at >= s.Start && at < s.End);
}

/// <summary>Chinese input-method mistakes: a character replaced by a homophone or a look-alike (<see cref="NoiseTables"/>), one per ~10 characters.</summary>
public sealed class ChineseCharacterNoise : IAugmentationMethod
{
    public string Name => "zh-noise";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        var positions = KeyboardNoise.FreePositions(example, c => NoiseTables.ChineseConfusions.ContainsKey(c));
        if (positions.Count == 0) return null;
        int hanzi = example.Text.Count(c => c is >= '\u4e00' and <= '\u9fff');
        int mistakes = Math.Clamp(hanzi / 10, 1, positions.Count);
        var edits = positions.OrderBy(_ => random.Next()).Take(mistakes).Select(at =>
        {
            string options = NoiseTables.ChineseConfusions[example.Text[at]];
            return new TextEdit(at, at + 1, options[random.Next(options.Length)].ToString());
        }).ToList();
        return TextEdits.Apply(example, edits);
    }
}

/// <summary>
/// EDA's word-level edits (Wei and Zou 2019, "Easy Data Augmentation"): delete a word or swap two neighbours, words
/// outside entities only. Chinese text is cut into words with Jieba first, so a swap moves words, not characters.
/// </summary>
public sealed class WordEdits : IAugmentationMethod
{
    public string Name => "words";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        var words = Words(example.Text).Where(w => !example.Entities.Any(s => w.Start < s.End && w.End > s.Start)).ToList();
        if (words.Count < 3) return null;
        if (random.Next(2) == 0)
        {
            var (start, end) = words[random.Next(words.Count)];
            // take the space after a Latin word with it, so no double space is left
            if (end < example.Text.Length && example.Text[end] == ' ') end++;
            return TextEdits.Apply(example, [new TextEdit(start, end, "")]);
        }
        int i = random.Next(words.Count - 1);
        var (a, b) = (words[i], words[i + 1]);
        string between = example.Text[a.End..b.Start];
        if (between.Any(c => !char.IsWhiteSpace(c))) return null;     // not neighbours: an entity or punctuation lies between
        string swapped = example.Text[b.Start..b.End] + between + example.Text[a.Start..a.End];
        return TextEdits.Apply(example, [new TextEdit(a.Start, b.End, swapped)]);
    }

    private static IEnumerable<(int Start, int End)> Words(string text)
    {
        var tokens = Tokenizer.Tokenize(text);
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind is TokenKind.Word or TokenKind.Number) { yield return (token.Start, token.End); continue; }
            if (token.Kind != TokenKind.Cjk) continue;
            // the tokenizer gives one token per character: a run of them is cut into Jieba's words
            int runStart = token.Start, runEnd = token.End;
            while (i + 1 < tokens.Count && tokens[i + 1].Kind == TokenKind.Cjk && tokens[i + 1].Start == runEnd) runEnd = tokens[++i].End;
            foreach (var (s, e) in ChineseWords.Words(text[runStart..runEnd])) yield return (runStart + s, runStart + e);
        }
    }
}

/// <summary>
/// The intent's own name as an example: card_arrival → "card arrival", faq/ask_price → "ask price". Names written as words
/// carry words a handful of examples may lack (label semantics); one example per intent, whatever N, and none for names
/// without letters. Not for Chinese data (<see cref="AugmentationContext.Chinese"/>): its English names would add words its
/// messages never have, and on samples/ecommerce-zh they cost 1.5 points.
/// </summary>
public sealed class LabelNames : IAugmentationMethod
{
    public string Name => "labels";

    public NluExample? Apply(NluExample example, AugmentationContext context, Random random)
    {
        string name = example.Intent.IndexOf('/') is > 0 and var slash ? example.Intent[(slash + 1)..] : example.Intent;
        var words = name.Split(['_', '-', '+', '.', ' '], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !words.Any(w => w.Any(char.IsAsciiLetter)) || words.Any(w => !w.All(char.IsAsciiLetterOrDigit)))
            return null;
        if (context.Chinese) return null;
        return new NluExample(string.Join(' ', words).ToLowerInvariant(), example.Intent, []);
    }
}
