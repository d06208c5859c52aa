using System.Text;
using Kefu.Nlu.Data;

namespace Kefu.Data.Augmentation;

/// <summary>
/// Messages without intents for <see cref="PseudoLabeling"/>, from a file: .txt or .log, one message a line; .csv with a
/// `text` column (other columns, an intent among them, are ignored); .jsonl with a "text" field; a Rasa nlu.yml, read
/// without its intents. Unreadable files are <see cref="NluDataException"/>s at their line.
/// </summary>
public static class UnlabelledMessages
{
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            // not File.ReadLines: it turns bytes that are not UTF-8 into U+FFFD
            ".txt" or ".log" or "" => [.. NluDataReader.ReadText(path).Split('\n').Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim())],
            ".csv" => ReadCsv(path),
            _ => [.. NluDataReader.Load(path).Examples.Select(e => e.Text)],
        };
    }

    static List<string> ReadCsv(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        int line = 0;
        var header = NluDataReader.ReadRecord(reader, path, ref line) ?? throw new NluDataException(path, 1, "empty file: expected a header with a 'text' column");
        int column = header.FindIndex(h => h.Trim().Equals("text", StringComparison.OrdinalIgnoreCase));
        if (column < 0) throw new NluDataException(path, 1, $"header '{string.Join(",", header)}' has no 'text' column");
        var texts = new List<string>();
        while (true)
        {
            int recordLine = line + 1;
            if (NluDataReader.ReadRecord(reader, path, ref line) is not { } record) break;
            if (record.Count == 1 && record[0].Length == 0) continue;
            if (record.Count <= column) throw new NluDataException(path, recordLine, $"expected {header.Count} fields, found {record.Count}");
            if (!string.IsNullOrWhiteSpace(record[column])) texts.Add(record[column].Trim());
        }
        return texts;
    }
}
