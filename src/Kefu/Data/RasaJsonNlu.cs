using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;

namespace Kefu.Data;

/// <summary>
/// Rasa's JSON NLU format:
/// <code>
/// {"rasa_nlu_data": {
///   "common_examples": [{"text", "intent", "entities": [{"start", "end", "value", "entity", "role"?, "group"?}]}],
///   "entity_synonyms": [{"value", "synonyms": [..]}],
///   "regex_features":  [{"name", "pattern"}],
///   "lookup_tables":   [{"name", "elements": [..]}]}}
/// </code>
/// Positions of semantic errors are found by locating the example's "text" in the file, in order.
/// </summary>
public static class RasaJsonNlu
{
    public static (NluDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Read(string path)
    {
        string text;
        try
        {
            text = NluDataReader.ReadText(path); // not File.ReadAllText: it turns bytes that are not UTF-8 into U+FFFD
        }
        catch (NluDataException e)
        {
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(path, e.Line, 1), e.Reason)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(path, 1, 1), $"cannot read the file: {e.Message}")]);
        }
        return Parse(text, path);
    }

    public static (NluDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Parse(string json, string file)
    {
        var diagnostics = new List<Diagnostic>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            int line = (int)(e.LineNumber ?? 0) + 1, column = (int)(e.BytePositionInLine ?? 0) + 1;
            string message = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0];
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(file, line, column), $"invalid JSON: {message}")]);
        }
        using (document)
        {
            var at = new SourceLocation(file, 1, 1);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("rasa_nlu_data", out var data) || data.ValueKind != JsonValueKind.Object)
                return (NluDocument.Empty, [new Diagnostic(Severity.Error, at, "not Rasa JSON NLU data: expected an object {\"rasa_nlu_data\": {\"common_examples\": [...]}}")]);

            var locator = new TextLocator(json, file);
            var examples = new List<NluExample>();
            var locations = new List<SourceLocation>();
            foreach (var property in data.EnumerateObject())
                if (property.Name is not ("common_examples" or "entity_synonyms" or "regex_features" or "lookup_tables"))
                    diagnostics.Add(new(Severity.Warning, at, $"'{Snippets.Quote(property.Name)}' in rasa_nlu_data is not read (known: common_examples, entity_synonyms, regex_features, lookup_tables)"));

            int index = 0;
            foreach (var example in Array(data, "common_examples", diagnostics, at))
            {
                string where = $"common_examples[{index++}]";
                if (example.ValueKind != JsonValueKind.Object || Str(example, "text") is not { } text)
                {
                    diagnostics.Add(new(Severity.Error, locator.Next(null), $"{where} needs a \"text\""));
                    continue;
                }
                var position = locator.Next(text);
                string intent = Str(example, "intent") ?? "";
                if (intent.Length == 0)
                {
                    diagnostics.Add(new(Severity.Error, position, $"{where} ('{Snippets.Quote(text)}') has no \"intent\"; Rasa 3 YAML keeps only examples under an intent"));
                    continue;
                }
                if (ReadEntities(example, text, where, position, diagnostics) is not { } entities) continue;
                var trimmed = NluDocuments.Trim(new NluExample(text, intent, entities));
                examples.Add(trimmed);
                locations.Add(position);
            }

            var synonyms = Array(data, "entity_synonyms", diagnostics, at)
                .Select(s => Str(s, "value") is { } value && s.TryGetProperty("synonyms", out var list) && list.ValueKind == JsonValueKind.Array
                    ? new SynonymSet(value, list.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList())
                    : Bad<SynonymSet>(diagnostics, at, "each entity_synonyms item needs \"value\" and a \"synonyms\" list"))
                .OfType<SynonymSet>().ToList();
            var regexes = Array(data, "regex_features", diagnostics, at)
                .Select(r => Str(r, "name") is { } name && Str(r, "pattern") is { } pattern
                    ? new RegexFeature(name, [pattern])
                    : Bad<RegexFeature>(diagnostics, at, "each regex_features item needs \"name\" and \"pattern\""))
                .OfType<RegexFeature>()
                .GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => new RegexFeature(g.Key, g.SelectMany(r => r.Patterns).ToList())).ToList();
            var lookups = Array(data, "lookup_tables", diagnostics, at)
                .Select(l => Str(l, "name") is { } name && l.TryGetProperty("elements", out var elements) && elements.ValueKind == JsonValueKind.Array
                    ? new LookupTable(name, elements.EnumerateArray().Select(x => x.GetString() ?? "").ToList())
                    : Bad<LookupTable>(diagnostics, at, "each lookup_tables item needs \"name\" and an \"elements\" list (lookup files are not read)"))
                .OfType<LookupTable>().ToList();
            return (new NluDocument(examples, synonyms, regexes, lookups) { Locations = locations }, diagnostics);
        }
    }

    private static List<EntitySpan>? ReadEntities(JsonElement example, string text, string where, SourceLocation at, List<Diagnostic> diagnostics)
    {
        var entities = new List<EntitySpan>();
        if (!example.TryGetProperty("entities", out var list) || list.ValueKind == JsonValueKind.Null) return entities;
        if (list.ValueKind != JsonValueKind.Array)
        {
            diagnostics.Add(new(Severity.Error, at, $"{where}: \"entities\" must be a list"));
            return null;
        }
        foreach (var e in list.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("start", out var s) || !s.TryGetInt32(out int start)
                || !e.TryGetProperty("end", out var en) || !en.TryGetInt32(out int end) || Str(e, "entity") is not { } entity)
            {
                diagnostics.Add(new(Severity.Error, at, $"{where}: each entity needs integer \"start\", \"end\" and an \"entity\" name"));
                return null;
            }
            if (start < 0 || end > text.Length || start >= end)
            {
                diagnostics.Add(new(Severity.Error, at, $"{where}: entity '{entity}' spans [{start}, {end}), outside the text of length {text.Length}"));
                return null;
            }
            string value = e.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null
                ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())
                : text[start..end];
            entities.Add(new EntitySpan(start, end, entity, value, Str(e, "role"), Str(e, "group")));
        }
        return entities;
    }

    private static IEnumerable<JsonElement> Array(JsonElement data, string key, List<Diagnostic> diagnostics, SourceLocation at)
    {
        if (!data.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind == JsonValueKind.Array) return value.EnumerateArray();
        diagnostics.Add(new(Severity.Error, at, $"\"{key}\" must be a list"));
        return [];
    }

    private static T? Bad<T>(List<Diagnostic> diagnostics, SourceLocation at, string message) where T : class
    {
        diagnostics.Add(new(Severity.Error, at, message));
        return null;
    }

    private static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Rasa's JSON of a document: the same shape <see cref="Parse"/> reads, indented, non-ASCII kept.</summary>
    public static string Write(NluDocument document)
    {
        var examples = new JsonArray();
        foreach (var e in document.Examples)
        {
            var entities = new JsonArray();
            foreach (var span in e.Entities)
            {
                var entity = new JsonObject { ["start"] = span.Start, ["end"] = span.End, ["value"] = span.Value, ["entity"] = span.Entity };
                if (span.Role is not null) entity["role"] = span.Role;
                if (span.Group is not null) entity["group"] = span.Group;
                entities.Add(entity);
            }
            examples.Add(new JsonObject { ["text"] = e.Text, ["intent"] = e.Intent, ["entities"] = entities });
        }
        var root = new JsonObject
        {
            ["rasa_nlu_data"] = new JsonObject
            {
                ["common_examples"] = examples,
                ["entity_synonyms"] = new JsonArray([.. document.Synonyms.Select(s => (JsonNode)new JsonObject
                    { ["value"] = s.Value, ["synonyms"] = new JsonArray([.. s.Examples.Select(x => (JsonNode?)x)]) })]),
                ["regex_features"] = new JsonArray([.. document.Regexes.SelectMany(r => r.Patterns.Select(p => (JsonNode)new JsonObject
                    { ["name"] = r.Name, ["pattern"] = p }))]),
                ["lookup_tables"] = new JsonArray([.. document.Lookups.Select(l => (JsonNode)new JsonObject
                    { ["name"] = l.Name, ["elements"] = new JsonArray([.. l.Elements.Select(x => (JsonNode?)x)]) })]),
            },
        };
        return root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";
    }

    /// <summary>Finds each example's "text" in the file after the previous one, for its line and column.</summary>
    private sealed class TextLocator(string json, string file)
    {
        private int _from;

        public SourceLocation Next(string? text)
        {
            int found = text is null ? -1 : json.IndexOf(JsonSerializer.Serialize(text, Options), _from, StringComparison.Ordinal);
            if (found < 0) found = json.IndexOf("\"text\"", _from, StringComparison.Ordinal);
            if (found < 0) return new SourceLocation(file, 1, 1);
            _from = found + 1;
            int line = 1 + json.AsSpan(0, found).Count('\n');
            int column = found - (json.LastIndexOf('\n', Math.Max(0, found - 1)) + 1) + 1;
            return new SourceLocation(file, line, column);
        }

        private static readonly JsonSerializerOptions Options =
            new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
