using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Kefu.Nlu;

namespace Kefu.Data;

/// <summary>
/// Cleans one text and keeps its entity spans on the same words. Passes, in order, each a list of edits over the text:
/// <list type="number">
/// <item>HTML tags (&lt;b&gt;, &lt;br/&gt;, &lt;/p&gt;) removed; block tags (br, p, div, li, tr, td, h1–h6) become a space.</item>
/// <item>HTML entities (&amp;amp; &amp;nbsp; &amp;#21457; &amp;#x53D1;) decoded; tags first, so a decoded "&lt;b&gt;" stays text.</item>
/// <item>Invisible characters removed: control characters (tab, line breaks and form feeds become spaces), zero-width
/// space U+200B, word joiner U+2060, byte-order mark U+FEFF, soft hyphen U+00AD, LRM/RLM U+200E/U+200F. ZWNJ and ZWJ
/// (U+200C, U+200D) stay: Persian, Indic scripts and emoji sequences need them.</item>
/// <item>Full-width to half-width: letters and digits (ＡＢＣ１２３) always; the ideographic space U+3000 becomes a space; full-width
/// ASCII punctuation (！，：？（）etc., U+FF01–U+FF5E) only when both neighbours are ASCII ("１２：３０" → "12:30"), so Chinese
/// punctuation in Chinese text ("你好！") is kept: it is how the text is written, and tokenizers read both.</item>
/// <item>Whitespace: every run of white space (spaces, tabs, no-break and ideographic spaces) becomes one space; none at
/// either end. A single space between Chinese characters is kept (it may separate two phrases).</item>
/// </list>
/// Offsets: an entity keeps the characters it covered; its span is then trimmed of spaces. One whose text disappears is
/// dropped and named in the notes. An entity's value is updated with its text unless it was a synonym (a different value).
/// </summary>
public static partial class TextCleaner
{
    public const string HtmlTag = "html_tag", HtmlEntity = "html_entity", Invisible = "invisible", FullWidth = "full_width", Whitespace = "whitespace";

    public sealed record Result(string Text, IReadOnlyList<EntitySpan> Entities, IReadOnlyList<string> Changes, IReadOnlyList<string> EntityNotes);

    private readonly record struct Edit(int Start, int Length, string Replacement);

    /// <summary>A text without entities (a synonym or lookup entry).</summary>
    public static Result Clean(string text) => Clean(text, [], []);

    public static Result Clean(NluExample example) =>
        Clean(example.Text, example.Entities, example.Entities.Select(e => example.Text[e.Start..e.End]).ToArray());

    /// <param name="surfaces">Each entity's covered text before cleaning: a value equal to it follows the text, another value is a synonym and stays.</param>
    private static Result Clean(string text, IReadOnlyList<EntitySpan> entities, string[] surfaces)
    {
        var changes = new List<string>();
        var spans = entities.Select(e => (e.Start, e.End)).ToArray();
        foreach (var (name, pass) in Passes)
        {
            var edits = pass(text);
            if (edits.Count == 0) continue;
            var (changed, next) = Apply(text, edits, spans);
            if (changed == text) continue;
            changes.Add(name);
            text = changed;
            spans = next;
        }
        var notes = new List<string>();
        var kept = new List<EntitySpan>();
        for (int k = 0; k < entities.Count; k++)
        {
            var (start, end) = spans[k];
            while (start < end && char.IsWhiteSpace(text[start])) start++;
            while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
            var old = entities[k];
            if (start >= end)
            {
                notes.Add($"entity '{old.Entity}' ('{old.Value}') lost its text and is dropped");
                continue;
            }
            string surface = text[start..end];
            bool synonym = old.Value != surfaces[k];
            if (surface != surfaces[k]) notes.Add($"entity '{old.Entity}' now covers '{surface}' (was '{surfaces[k]}')");
            kept.Add(old with { Start = start, End = end, Value = synonym ? old.Value : surface });
        }
        return new Result(text, kept, changes, notes);
    }

    private static readonly (string Name, Func<string, List<Edit>> Pass)[] Passes =
    [
        (HtmlTag, Tags), (HtmlEntity, Entities), (Invisible, Invisibles), (FullWidth, FullWidths), (Whitespace, Spaces),
    ];

    /// <summary>The text with the edits made, and each span moved: a boundary inside an edited range goes to the edge of its replacement.</summary>
    private static (string, (int, int)[]) Apply(string text, List<Edit> edits, (int Start, int End)[] spans)
    {
        var output = new StringBuilder(text.Length);
        var map = new int[text.Length + 1];       // old boundary -> new boundary (start side)
        var endMap = new int[text.Length + 1];    // old boundary -> new boundary (end side)
        int at = 0;
        foreach (var edit in edits)
        {
            for (; at < edit.Start; at++) { map[at] = endMap[at] = output.Length; output.Append(text[at]); }
            int from = output.Length;
            output.Append(edit.Replacement);
            map[at] = endMap[at] = from;
            for (int p = at + 1; p < edit.Start + edit.Length; p++) (map[p], endMap[p]) = (from, output.Length);
            at = edit.Start + edit.Length;
        }
        for (; at < text.Length; at++) { map[at] = endMap[at] = output.Length; output.Append(text[at]); }
        map[text.Length] = endMap[text.Length] = output.Length;
        return (output.ToString(), spans.Select(s => (map[Math.Clamp(s.Start, 0, text.Length)], endMap[Math.Clamp(s.End, 0, text.Length)])).ToArray());
    }

    private static List<Edit> Tags(string text) =>
        Tag().Matches(text).Select(m => new Edit(m.Index, m.Length, BlockTag().IsMatch(m.Value) ? " " : "")).ToList();

    private static List<Edit> Entities(string text)
    {
        var edits = new List<Edit>();
        foreach (Match m in HtmlEntityPattern().Matches(text))
        {
            string decoded = WebUtility.HtmlDecode(m.Value);
            if (decoded != m.Value) edits.Add(new Edit(m.Index, m.Length, decoded));
        }
        return edits;
    }

    private static List<Edit> Invisibles(string text)
    {
        var edits = new List<Edit>();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\t' or '\n' or '\r' or '\f' or '\v') edits.Add(new Edit(i, 1, " "));
            else if (char.IsControl(c) || c is '\u200B' or '\u2060' or '\uFEFF' or '\u00AD' or '\u200E' or '\u200F') edits.Add(new Edit(i, 1, ""));
        }
        return edits;
    }

    private static List<Edit> FullWidths(string text)
    {
        // Letters and digits first, so "ＡＢ：１" judges the colon by its converted neighbours.
        var folded = text.Select(c => IsWideLetterOrDigit(c) ? (char)(c - 0xFEE0) : c).ToArray();
        var edits = new List<Edit>();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (IsWideLetterOrDigit(c)) edits.Add(new Edit(i, 1, ((char)(c - 0xFEE0)).ToString()));
            else if (c == '\u3000') edits.Add(new Edit(i, 1, " "));
            else if (c is >= '\uFF01' and <= '\uFF5E')
            {
                char? left = i > 0 ? folded[i - 1] : null, right = i + 1 < text.Length ? folded[i + 1] : null;
                bool asciiSides = (left is null || left < 0x80) && (right is null || right < 0x80) && (left is not null || right is not null);
                if (asciiSides) edits.Add(new Edit(i, 1, ((char)(c - 0xFEE0)).ToString()));
            }
        }
        return edits;
    }

    private static bool IsWideLetterOrDigit(char c) => c is (>= '\uFF10' and <= '\uFF19') or (>= '\uFF21' and <= '\uFF3A') or (>= '\uFF41' and <= '\uFF5A');

    private static List<Edit> Spaces(string text)
    {
        var edits = new List<Edit>();
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsWhiteSpace(text[i])) { i++; continue; }
            int start = i;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            bool edge = start == 0 || i == text.Length;
            string replacement = edge ? "" : " ";
            if (i - start != replacement.Length || text[start] != ' ') edits.Add(new Edit(start, i - start, replacement));
        }
        return edits;
    }

    /// <summary>
    /// The text as near-duplicate detection compares it: lower case, without white space, punctuation and symbols, so
    /// "退货，怎么弄？" and "退货怎么弄" are the same.
    /// </summary>
    public static string NearKey(string text)
    {
        var key = new StringBuilder(text.Length);
        foreach (var rune in text.ToLowerInvariant().EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || Rune.IsPunctuation(rune) || Rune.IsSymbol(rune) || category == System.Globalization.UnicodeCategory.Format) continue;
            key.Append(rune.ToString());
        }
        return key.ToString();
    }

    [GeneratedRegex(@"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"^</?(br|p|div|li|tr|td|h[1-6])\b", RegexOptions.IgnoreCase)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")]
    private static partial Regex HtmlEntityPattern();
}
