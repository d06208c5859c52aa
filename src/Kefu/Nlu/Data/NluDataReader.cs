using System.Text;
using System.Text.Json;
using Kefu.Projects;

namespace Kefu.Nlu.Data;

/// <summary>Thrown for unreadable NLU data; the message starts with "file:line:".</summary>
public sealed class NluDataException(string file, int line, string message)
    : Exception($"{file}:{line}: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    /// <summary>The message without its "file:line: " prefix, for diagnostics that print the place themselves.</summary>
    public string Reason { get; } = message;
}

/// <summary>
/// Reads labelled utterances from CSV (header <c>text,category</c> or <c>text,intent</c>), JSON lines
/// (<c>{"text","intent","entities":[{"start","end","entity","value"}]}</c>) or a Rasa nlu.yml.
/// </summary>
public static class NluDataReader
{
    public static NluTrainingData Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".csv" => NluTrainingData.FromExamples(ReadCsv(path)),
            ".jsonl" or ".json" or ".ndjson" => NluTrainingData.FromExamples(ReadJsonLines(path)),
            ".yml" or ".yaml" => NluFile.Load(path),
            _ => throw new NluDataException(path, 1, $"unknown file type '{extension}': expected .csv, .jsonl or .yml"),
        };
    }

    /// <summary>
    /// A file that is not UTF-8 (a GB18030 export, a binary file) is an error at the line of its first bad byte: decoded
    /// anyway, its text would silently become U+FFFD replacement characters.
    /// </summary>
    internal static void CheckUtf8(string path) => CheckUtf8(path, File.ReadAllBytes(path));

    private static void CheckUtf8(string path, ReadOnlySpan<byte> bytes)
    {
        if (Kefu.Text.Utf8Text.FirstInvalidByte(bytes) is not { } offset) return;
        int line = 1 + bytes[..offset].Count((byte)'\n');
        throw new NluDataException(path, line, $"not valid UTF-8 (byte {offset}); save the file as UTF-8");
    }

    /// <summary>
    /// A text file's content as <see cref="CheckUtf8(string)"/> allows it: invalid UTF-8 is an NluDataException at its
    /// line. A UTF-8 byte-order mark is dropped, as File.ReadAllText drops it.
    /// </summary>
    public static string ReadText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        CheckUtf8(path, bytes);
        return Encoding.UTF8.GetString(bytes.AsSpan(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0));
    }

    public static IReadOnlyList<NluExample> ReadCsv(string path) => ReadCsvLines(path).Select(x => x.Example).ToList();

    /// <summary>The CSV's examples with the line each record starts on.</summary>
    public static IReadOnlyList<(NluExample Example, int Line)> ReadCsvLines(string path)
    {
        CheckUtf8(path);
        var examples = new List<(NluExample, int)>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        int line = 0;
        var header = ReadRecord(reader, path, ref line);
        if (header is null) throw new NluDataException(path, 1, "empty file: expected a header 'text,category' or 'text,intent'");
        int textColumn = header.FindIndex(h => h.Trim().Equals("text", StringComparison.OrdinalIgnoreCase));
        int labelColumn = header.FindIndex(h => h.Trim().ToLowerInvariant() is "category" or "intent" or "label");
        if (textColumn < 0 || labelColumn < 0)
            throw new NluDataException(path, 1, $"header '{string.Join(",", header)}' lacks a 'text' and a 'category' or 'intent' column");
        while (true)
        {
            int recordLine = line + 1;
            var record = ReadRecord(reader, path, ref line);
            if (record is null) break;
            if (record.Count == 1 && record[0].Length == 0) continue;
            if (record.Count <= Math.Max(textColumn, labelColumn))
                throw new NluDataException(path, recordLine, $"expected {header.Count} fields, found {record.Count}");
            string label = record[labelColumn].Trim();
            if (label.Length == 0) throw new NluDataException(path, recordLine, "empty intent");
            examples.Add((new NluExample(record[textColumn], label, []), recordLine));
        }
        return examples;
    }

    /// <summary>One RFC 4180 record (quoted fields may span lines); null at end of file.</summary>
    internal static List<string>? ReadRecord(StreamReader reader, string path, ref int line)
    {
        string? text = reader.ReadLine();
        if (text is null) return null;
        line++;
        int startLine = line;
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int i = 0;
        while (true)
        {
            if (i == text.Length)
            {
                if (!quoted) break;
                text = reader.ReadLine();
                if (text is null) throw new NluDataException(path, startLine, "unterminated quoted field");
                line++;
                field.Append('\n');
                i = 0;
                continue;
            }
            char c = text[i++];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i < text.Length && text[i] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }

    public static IReadOnlyList<NluExample> ReadJsonLines(string path)
    {
        CheckUtf8(path);
        var examples = new List<NluExample>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                string utterance = root.GetProperty("text").GetString() ?? throw new NluDataException(path, line, "'text' is null");
                string intent = root.TryGetProperty("intent", out var i) ? i.GetString() ?? "" : "";
                var entities = new List<EntitySpan>();
                if (root.TryGetProperty("entities", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in list.EnumerateArray())
                    {
                        int start = e.GetProperty("start").GetInt32(), end = e.GetProperty("end").GetInt32();
                        string entity = e.GetProperty("entity").GetString() ?? "";
                        if (start < 0 || end > utterance.Length || start >= end)
                            throw new NluDataException(path, line, $"entity '{entity}' span [{start}, {end}) is outside the text of length {utterance.Length}");
                        string value = e.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String
                            ? v.GetString()! : utterance[start..end];
                        entities.Add(new EntitySpan(start, end, entity, value,
                            e.TryGetProperty("role", out var r) ? r.GetString() : null,
                            e.TryGetProperty("group", out var g) ? g.GetString() : null));
                    }
                }
                examples.Add(new NluExample(utterance, intent, entities));
            }
            catch (JsonException ex)
            {
                throw new NluDataException(path, line, $"invalid JSON: {ex.Message}");
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new NluDataException(path, line, $"expected {{\"text\": string, \"intent\": string, \"entities\": [{{\"start\", \"end\", \"entity\", \"value\"}}]}}: {ex.Message}");
            }
        }
        return examples;
    }
}
