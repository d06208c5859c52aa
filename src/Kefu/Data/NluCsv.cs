using System.Text;

namespace Kefu.Data;

/// <summary>
/// CSV with the header `text,intent` (RFC 4180: fields holding a comma, a quote or a line break are quoted, quotes
/// doubled). CSV has no place for entities, synonyms, regexes or lookups; <see cref="Dropped"/> says what a write leaves
/// out so the caller can tell the user (reading is <see cref="Nlu.Data.NluDataReader.ReadCsv"/>).
/// </summary>
public static class NluCsv
{
    public static string Write(NluDocument document)
    {
        var csv = new StringBuilder("text,intent\n");
        foreach (var e in document.Examples) csv.Append(Field(e.Text)).Append(',').Append(Field(e.Intent)).Append('\n');
        return csv.ToString();
    }

    /// <summary>What CSV cannot hold of the document, as sentences; empty when nothing is lost.</summary>
    public static IReadOnlyList<string> Dropped(NluDocument document)
    {
        var lost = new List<string>();
        int annotated = document.Examples.Count(e => e.Entities.Count > 0);
        if (annotated > 0) lost.Add($"the entity annotations of {annotated} example(s)");
        if (document.Synonyms.Count > 0) lost.Add($"{document.Synonyms.Count} synonym section(s)");
        if (document.Regexes.Count > 0) lost.Add($"{document.Regexes.Count} regex(es)");
        if (document.Lookups.Count > 0) lost.Add($"{document.Lookups.Count} lookup table(s)");
        return lost;
    }

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 || value.Trim().Length != value.Length
            ? "\"" + value.Replace("\"", "\"\"") + "\""
            : value;
}
