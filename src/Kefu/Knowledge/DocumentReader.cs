using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Kefu.Knowledge;

/// <summary>
/// Documents split into passages: Markdown by headings (the title is the heading path, "退货 > 运费"), plain text by
/// blank lines, HTML by h1–h6 after dropping script/style and tags. A section longer than
/// <see cref="MaxPassageChars"/> is cut at paragraph, then sentence ends, so passages stay of similar length (BM25's
/// length normalization then matters less). A file that is not UTF-8 text, holds NUL bytes, or is HTML with an
/// unclosed comment or script is an error at file:line.
/// </summary>
public static partial class DocumentReader
{
    public const int MaxPassageChars = 400;

    public static readonly string[] Extensions = [".md", ".markdown", ".txt", ".html", ".htm"];

    public static List<Passage> Read(string path, string source)
    {
        var text = ReadText(path, source);
        var sections = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".md" or ".markdown" => Markdown(text),
            ".txt" => [(1, Path.GetFileNameWithoutExtension(path), text)],
            ".html" or ".htm" => Html(text, source),
            var ext => throw new KnowledgeFormatException(source, 0, $"a document is Markdown, plain text or HTML ({string.Join(", ", Extensions)}), not '{ext}'"),
        };
        var passages = new List<Passage>();
        foreach (var (line, title, body) in sections)
            foreach (var (offset, chunk) in Chunks(body))
                passages.Add(new Passage($"{source}#{passages.Count + 1}", source, line + offset, title, chunk, []));
        return passages;
    }

    /// <summary>Strict UTF-8 (a BOM is skipped); the line of the first bad byte or NUL is in the error.</summary>
    internal static string ReadText(string path, string source)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new KnowledgeFormatException(source, 0, e.Message); }
        int nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0) throw new KnowledgeFormatException(source, LineAt(bytes, nul), "binary content (a NUL byte): not a text file");
        try { return new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF'); }
        catch (DecoderFallbackException e) { throw new KnowledgeFormatException(source, LineAt(bytes, Math.Max(0, e.Index)), "not UTF-8 text"); }
    }

    static int LineAt(byte[] bytes, int index) => 1 + bytes.AsSpan(0, Math.Min(index, bytes.Length)).Count((byte)'\n');

    /// <summary>Sections as (first line of the body, heading path, body).</summary>
    static List<(int Line, string Title, string Body)> Markdown(string text)
    {
        var sections = new List<(int, string, string)>();
        var headings = new List<string>();
        var body = new StringBuilder();
        int bodyLine = 1;
        var lines = text.Split('\n');
        bool fenced = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) fenced = !fenced;
            var m = fenced ? null : HeadingRegex().Match(line);
            if (m is { Success: true })
            {
                Flush();
                int level = m.Groups[1].Length;
                while (headings.Count >= level) headings.RemoveAt(headings.Count - 1);
                while (headings.Count < level - 1) headings.Add("");
                headings.Add(m.Groups[2].Value.Trim());
                bodyLine = i + 2;
                continue;
            }
            if (body.Length == 0 && line.Trim().Length == 0) { bodyLine = i + 2; continue; }
            body.Append(line).Append('\n');
        }
        Flush();
        return sections;

        void Flush()
        {
            if (body.ToString().Trim().Length > 0)
                sections.Add((bodyLine, string.Join(" > ", headings.Where(h => h.Length > 0)), body.ToString()));
            body.Clear();
        }
    }

    static List<(int Line, string Title, string Body)> Html(string html, string source)
    {
        foreach (var (open, close) in new[] { ("<!--", "-->"), ("<script", "</script>"), ("<style", "</style>") })
        {
            for (int at = html.IndexOf(open, StringComparison.OrdinalIgnoreCase); at >= 0; at = html.IndexOf(open, at + 1, StringComparison.OrdinalIgnoreCase))
                if (html.IndexOf(close, at, StringComparison.OrdinalIgnoreCase) < 0)
                    throw new KnowledgeFormatException(source, 1 + html.AsSpan(0, at).Count('\n'), $"'{open}' is never closed by '{close}'");
        }
        // Blank out what is not text, keeping newlines so that lines still count.
        string Blank(Match m) => new string('\n', m.Value.Count(c => c == '\n'));
        var cleaned = DropRegex().Replace(html, Blank);
        var sections = new List<(int, string, string)>();
        var matches = HtmlHeadingRegex().Matches(cleaned);
        int start = 0, line = 1;
        string title = HtmlTitleRegex().Match(html) is { Success: true } t ? Plain(t.Groups[1].Value) : "";
        foreach (Match m in matches)
        {
            Add(cleaned[start..m.Index], line, title);
            title = Plain(m.Groups[2].Value);
            start = m.Index + m.Length;
            line = 1 + cleaned.AsSpan(0, start).Count('\n');
        }
        Add(cleaned[start..], line, title);
        return sections;

        void Add(string part, int at, string heading)
        {
            var text = Plain(BlockRegex().Replace(part, "\n\n"));
            if (text.Trim().Length > 0) sections.Add((at, heading, text));
        }
    }

    static string Plain(string html) => WebUtility.HtmlDecode(TagRegex().Replace(html, "")).Trim();

    /// <summary>Pieces of at most MaxPassageChars with the line offset each starts at.</summary>
    internal static List<(int LineOffset, string Text)> Chunks(string body)
    {
        var chunks = new List<(int, string)>();
        var paragraphs = Regex.Split(body, @"\n\s*\n");
        var current = new StringBuilder();
        int offset = 0, currentOffset = 0;
        foreach (var raw in paragraphs)
        {
            var p = raw.Trim();
            int lines = raw.Count(c => c == '\n') + 2;
            if (p.Length > 0)
            {
                if (current.Length > 0 && current.Length + p.Length > MaxPassageChars) Emit();
                if (current.Length == 0) currentOffset = offset;
                foreach (var piece in Sentences(p))
                {
                    if (current.Length > 0 && current.Length + piece.Length > MaxPassageChars) { Emit(); currentOffset = offset; }
                    current.Append(piece);
                }
                current.Append('\n');
            }
            offset += lines;
        }
        Emit();
        return chunks;

        void Emit()
        {
            if (current.ToString().Trim() is { Length: > 0 } text) chunks.Add((currentOffset, text));
            current.Clear();
        }
    }

    static IEnumerable<string> Sentences(string paragraph) =>
        paragraph.Length <= MaxPassageChars ? [paragraph] : SentenceRegex().Split(paragraph).Where(s => s.Length > 0);

    [GeneratedRegex(@"^(#{1,6})\s+(.*?)\s*#*\s*$")] private static partial Regex HeadingRegex();
    [GeneratedRegex(@"<!--.*?-->|<script\b.*?</script>|<style\b.*?</style>|<head\b.*?</head>", RegexOptions.Singleline | RegexOptions.IgnoreCase)] private static partial Regex DropRegex();
    [GeneratedRegex(@"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)] private static partial Regex HtmlHeadingRegex();
    [GeneratedRegex(@"<title\b[^>]*>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase)] private static partial Regex HtmlTitleRegex();
    [GeneratedRegex(@"</?(p|div|br|li|ul|ol|tr|table|section|article)\b[^>]*>", RegexOptions.IgnoreCase)] private static partial Regex BlockRegex();
    [GeneratedRegex(@"<[^>]*>")] private static partial Regex TagRegex();
    [GeneratedRegex(@"(?<=[。！？!?；;.])\s*")] private static partial Regex SentenceRegex();
}
