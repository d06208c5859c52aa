using System.Globalization;
using System.Text.Json;
using Kefu.Knowledge;

namespace Kefu.Experiments;

/// <summary>
/// One conversation of an experiment: its arm and what came of it. Null means not recorded (no rating given,
/// the channel has no thumbs, ...); each metric counts only the conversations that recorded it.
/// </summary>
public sealed record Outcome(
    string Arm, double? Stars = null, bool? ThumbsUp = null, bool? ThumbsDown = null, bool? HandedOff = null, bool? Fallback = null,
    double? ResponseMs = null, int Line = 0);

/// <summary>Every problem of an outcomes file, one "file:line: what" per entry.</summary>
public sealed class OutcomeFormatException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads per-conversation outcomes: JSON lines (.jsonl, .json, .ndjson; one object per line) or CSV with a header
/// (.csv). Fields: arm (required), stars (1–5), thumbs_up, thumbs_down, handed_off, fallback (booleans: true/false,
/// 1/0, and in CSV also yes/no; empty or null = not recorded), response_ms (≥ 0); conversation_id is allowed and
/// unused. Unknown fields are a warning; every bad value is an error with file:line, all of them reported at once.
/// </summary>
public static class OutcomeReader
{
    const int MaxErrors = 20;
    static readonly string[] Fields = ["arm", "stars", "thumbs_up", "thumbs_down", "handed_off", "fallback", "response_ms", "conversation_id"];

    /// <param name="arms">When given, the only arm names allowed: a row naming another one is an error.</param>
    public static List<Outcome> Read(string path, IReadOnlyCollection<string>? arms = null, Action<string>? warn = null)
    {
        string text = File.ReadAllText(path);
        var errors = new List<string>();
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var outcomes = new List<Outcome>();
        foreach (var (line, cells) in IsCsv(path, text) ? CsvRows(path, text, errors) : JsonRows(path, text, errors))
        {
            if (errors.Count >= MaxErrors) break;
            foreach (var name in cells.Keys.Where(k => !Fields.Contains(k) && unknown.Add(k)))
                warn?.Invoke($"{path}:{line}: unknown field '{name}' ignored (known: {string.Join(", ", Fields)})");
            var row = new RowReader(path, line, cells, errors);
            string? arm = row.Arm(arms);
            var outcome = new Outcome(arm ?? "", row.Number("stars", 1, 5), row.Boolean("thumbs_up"), row.Boolean("thumbs_down"),
                row.Boolean("handed_off"), row.Boolean("fallback"), row.Number("response_ms", 0, double.PositiveInfinity), line);
            if (outcome is { ThumbsUp: true, ThumbsDown: true }) errors.Add($"{path}:{line}: thumbs_up and thumbs_down are both true");
            if (arm is not null) outcomes.Add(outcome);
        }
        if (errors.Count > 0)
            throw new OutcomeFormatException(errors.Count >= MaxErrors ? [.. errors.Take(MaxErrors), $"{path}: stopped after {MaxErrors} errors"] : errors);
        return outcomes;
    }

    static bool IsCsv(string path, string text) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => true,
        ".jsonl" or ".json" or ".ndjson" => false,
        _ => !text.TrimStart().StartsWith('{'),
    };

    // A cell: its raw text (CSV) or JSON value.
    readonly record struct Cell(string? Text, JsonElement? Json);

    static IEnumerable<(int Line, Dictionary<string, Cell> Cells)> JsonRows(string path, string text, List<string> errors)
    {
        int line = 0;
        foreach (string raw in text.Split('\n'))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(raw);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                errors.Add($"{path}:{line}: not JSON ({e.Message.Split(" Path:")[0]})");
                continue;
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}:{line}: expected a JSON object per line, got {root.ValueKind.ToString().ToLowerInvariant()}");
                continue;
            }
            var cells = new Dictionary<string, Cell>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject()) cells[p.Name] = new(null, p.Value);
            yield return (line, cells);
        }
    }

    static IEnumerable<(int Line, Dictionary<string, Cell> Cells)> CsvRows(string path, string text, List<string> errors)
    {
        List<(int Line, List<string> Cells)> rows;
        try
        {
            rows = Csv.Parse(text, path);
        }
        catch (KnowledgeFormatException e)
        {
            errors.Add(e.Message);
            yield break;
        }
        if (rows.Count == 0) yield break;
        var header = rows[0].Cells.Select(h => h.Trim().ToLowerInvariant()).ToList();
        if (!header.Contains("arm"))
        {
            errors.Add($"{path}:{rows[0].Line}: the header has no 'arm' column (got: {string.Join(",", header)})");
            yield break;
        }
        if (header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            errors.Add($"{path}:{rows[0].Line}: column '{twice.Key}' appears twice in the header");
            yield break;
        }
        foreach (var (line, cells) in rows.Skip(1))
        {
            if (cells.Count != header.Count)
            {
                errors.Add($"{path}:{line}: {cells.Count} cells, the header has {header.Count}");
                continue;
            }
            yield return (line, header.Zip(cells).ToDictionary(p => p.First, p => new Cell(p.Second.Trim(), null), StringComparer.Ordinal));
        }
    }

    readonly struct RowReader(string path, int line, Dictionary<string, Cell> cells, List<string> errors)
    {
        public string? Arm(IReadOnlyCollection<string>? arms)
        {
            string? arm = null;
            if (cells.TryGetValue("arm", out var cell))
                arm = cell.Json is { } j ? (j.ValueKind == JsonValueKind.String ? j.GetString() : null) : cell.Text;
            if (string.IsNullOrWhiteSpace(arm))
            {
                errors.Add($"{path}:{line}: arm: missing (every row names its arm, a string)");
                return null;
            }
            if (arms is not null && !arms.Contains(arm))
            {
                errors.Add($"{path}:{line}: arm '{arm}' is not one of --arms {string.Join(", ", arms)}");
                return null;
            }
            return arm;
        }

        public double? Number(string field, double min, double max)
        {
            if (!cells.TryGetValue(field, out var cell)) return null;
            double value;
            if (cell.Json is { } j)
            {
                if (j.ValueKind == JsonValueKind.Null) return null;
                if (j.ValueKind != JsonValueKind.Number) return Bad(field, $"expected a number, got {j.GetRawText()}");
                value = j.GetDouble();
            }
            else if (cell.Text!.Length == 0) return null;
            else if (!double.TryParse(cell.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
                return Bad(field, $"expected a number, got '{cell.Text}'");
            if (value < min || value > max)
                return Bad(field, double.IsPositiveInfinity(max) ? $"{value.ToString(CultureInfo.InvariantCulture)} is below {min}" : $"{value.ToString(CultureInfo.InvariantCulture)} is outside {min}–{max}");
            return value;
        }

        public bool? Boolean(string field)
        {
            if (!cells.TryGetValue(field, out var cell)) return null;
            if (cell.Json is { } j)
                return j.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    JsonValueKind.Number when j.GetRawText() is "0" or "1" => j.GetRawText() == "1",
                    _ => Bad<bool>(field, $"expected true/false, got {j.GetRawText()}"),
                };
            return cell.Text!.ToLowerInvariant() switch
            {
                "" => null,
                "true" or "1" or "yes" => true,
                "false" or "0" or "no" => false,
                _ => Bad<bool>(field, $"expected true/false, 1/0 or yes/no, got '{cell.Text}'"),
            };
        }

        double? Bad(string field, string what) => Bad<double>(field, what);

        T? Bad<T>(string field, string what) where T : struct
        {
            errors.Add($"{path}:{line}: {field}: {what}");
            return null;
        }
    }
}
