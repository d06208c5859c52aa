using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Knowledge;

/// <summary>
/// FAQ collections: question–answer pairs with several phrasings each.
/// <code>
/// YAML:  faq: [ { id: shipping_fee, questions: [运费怎么算, 要运费吗], answer: 满99包邮 } ]   (or a top-level list)
/// CSV:   id,question,answer        rows sharing an id add phrasings; the answer may be on the first row only;
///                                  a question cell may hold several phrasings separated by '|'
/// JSON:  [ { "id": "...", "questions": ["..."], "answer": "..." } ]   ("question" as one string is accepted)
/// </code>
/// An entry without an answer or without a question is an error at its file:line (JSON: the entry's index).
/// </summary>
public static class FaqReader
{
    public static List<Passage> Read(string path, string source)
    {
        var text = DocumentReader.ReadText(path, source);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".yml" or ".yaml" => FromYaml(text, source),
            ".csv" => FromCsv(text, source),
            ".json" => FromJson(text, source),
            var ext => throw new KnowledgeFormatException(source, 0, $"an FAQ is .yml, .yaml, .csv or .json, not '{ext}'"),
        };
    }

    static Passage Entry(string source, int line, string? id, List<string> questions, string? answer, string? title)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new KnowledgeFormatException(source, line, "FAQ entry without an id");
        if (questions.Count == 0) throw new KnowledgeFormatException(source, line, $"FAQ entry '{id}' has no question");
        if (string.IsNullOrWhiteSpace(answer)) throw new KnowledgeFormatException(source, line, $"FAQ entry '{id}' has no answer");
        return new Passage($"{source}#{id}", source, line, title ?? questions[0], answer.Trim(), questions);
    }

    static List<Passage> FromYaml(string text, string source)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new KnowledgeFormatException(source, (int)e.Start.Line, e.Message); }
        if (stream.Documents.Count == 0) return [];
        var root = stream.Documents[0].RootNode;
        if (root is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("faq"), out var list)) root = list;
        if (root is not YamlSequenceNode entries)
            throw new KnowledgeFormatException(source, (int)root.Start.Line, "expected a list of FAQ entries (or 'faq:' with one)");
        var result = new List<Passage>();
        foreach (var node in entries)
        {
            int line = (int)node.Start.Line;
            if (node is not YamlMappingNode entry) throw new KnowledgeFormatException(source, line, "an FAQ entry is a mapping with id, questions and answer");
            string? Scalar(string key) => entry.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
            var questions = new List<string>();
            if (entry.Children.TryGetValue(new YamlScalarNode("questions"), out var q) && q is YamlSequenceNode qs)
                questions.AddRange(qs.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Where(s => s.Trim().Length > 0));
            if (Scalar("question") is { Length: > 0 } one) questions.Insert(0, one);
            result.Add(Entry(source, line, Scalar("id"), questions, Scalar("answer"), Scalar("title")));
        }
        return Unique(result, source);
    }

    static List<Passage> FromCsv(string text, string source)
    {
        var rows = Csv.Parse(text, source);
        if (rows.Count == 0) return [];
        var header = rows[0].Cells.Select(c => c.Trim().ToLowerInvariant()).ToList();
        int id = header.IndexOf("id"), question = header.IndexOf("question"), answer = header.IndexOf("answer");
        if (question < 0 || answer < 0) throw new KnowledgeFormatException(source, 1, "an FAQ CSV's header needs question and answer (and id for several phrasings)");
        var order = new List<string>();
        var byId = new Dictionary<string, (int Line, List<string> Questions, string? Answer)>();
        foreach (var (line, cells) in rows.Skip(1))
        {
            string Cell(int i) => i >= 0 && i < cells.Count ? cells[i].Trim() : "";
            var key = id >= 0 && Cell(id).Length > 0 ? Cell(id) : $"row{line}";
            if (!byId.TryGetValue(key, out var e)) { e = (line, [], null); order.Add(key); }
            e.Questions.AddRange(Cell(question).Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            if (Cell(answer).Length > 0) e.Answer = Cell(answer);
            byId[key] = e;
        }
        return order.Select(k => Entry(source, byId[k].Line, k, byId[k].Questions, byId[k].Answer, null)).ToList();
    }

    static List<Passage> FromJson(string text, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new KnowledgeFormatException(source, (int)(e.LineNumber ?? -1) + 1, e.Message); }
        using (doc)
        {
            var root = doc.RootElement;
            int depth = 1;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("faq", out var inner)) { root = inner; depth = 2; }
            if (root.ValueKind != JsonValueKind.Array) throw new KnowledgeFormatException(source, 1, "expected an array of FAQ entries");
            var lines = EntryLines(text, depth);
            var result = new List<Passage>();
            int index = 0;
            foreach (var e in root.EnumerateArray())
            {
                int line = index < lines.Count ? lines[index] : 0;
                index++;
                string? Str(string key) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var questions = new List<string>();
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("questions", out var qs) && qs.ValueKind == JsonValueKind.Array)
                    questions.AddRange(qs.EnumerateArray().Where(q => q.ValueKind == JsonValueKind.String).Select(q => q.GetString()!).Where(q => q.Trim().Length > 0));
                if (Str("question") is { Length: > 0 } one) questions.Insert(0, one);
                result.Add(Entry(source, line, Str("id") ?? $"entry{index}", questions, Str("answer"), Str("title")));
            }
            return Unique(result, source);
        }
    }

    /// <summary>The line of each entry's opening brace, entries at <paramref name="depth"/> (JsonDocument keeps no positions).</summary>
    static List<int> EntryLines(string text, int depth)
    {
        var lines = new List<int>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes);
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == depth)
                lines.Add(1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n'));
        return lines;
    }

    static List<Passage> Unique(List<Passage> entries, string source)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!seen.Add(e.Id)) throw new KnowledgeFormatException(source, e.Line, $"FAQ id '{e.Id[(source.Length + 1)..]}' appears twice");
        return entries;
    }
}

/// <summary>RFC 4180 CSV: quoted cells may hold commas, quotes ("") and newlines; each row keeps its first line.</summary>
internal static class Csv
{
    public static List<(int Line, List<string> Cells)> Parse(string text, string source)
    {
        var rows = new List<(int, List<string>)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        int line = 1, rowLine = 1;
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; cell.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0: quoted = true; any = true; break;
                case ',': cells.Add(cell.ToString()); cell.Clear(); any = true; break;
                case '\r': break;
                case '\n':
                    if (any || cell.Length > 0) { cells.Add(cell.ToString()); rows.Add((rowLine, cells)); }
                    cells = []; cell.Clear(); any = false; line++; rowLine = line;
                    break;
                default: cell.Append(c); any = true; break;
            }
        }
        if (quoted) throw new KnowledgeFormatException(source, rowLine, "a quoted cell is never closed");
        if (any || cell.Length > 0) { cells.Add(cell.ToString()); rows.Add((rowLine, cells)); }
        return rows;
    }
}
