using System.Text;
using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Projects;

/// <summary>An example with its annotations removed; entity offsets index <see cref="Text"/>.</summary>
public sealed record AnnotatedText(string Text, IReadOnlyList<EntitySpan> Entities, IReadOnlyList<AnnotationProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.Severity == Severity.Error);
}

/// <summary>A problem in an annotated example; Offset is a UTF-16 index into the annotated (raw) text.</summary>
public sealed record AnnotationProblem(int Offset, Severity Severity, string Message);

/// <summary>
/// Rasa's entity annotations inside training examples:
/// <c>[text](entity)</c>, <c>[text](entity:value)</c> (legacy), <c>[text]{"entity": .., "role": .., "group": .., "value": ..}</c>
/// and <c>[text][{"entity": ..}, {"entity": ..}]</c> (several entities on one text).
/// A bracketed text with no annotation after it, such as "[微笑]", is plain text, as in Rasa.
/// </summary>
public static class EntityAnnotations
{
    private const string Syntax = "write annotations as [text](entity) or [text]{\"entity\": \"name\"}";

    public static AnnotatedText Parse(string annotated)
    {
        var text = new StringBuilder(annotated.Length);
        var entities = new List<EntitySpan>();
        var problems = new List<AnnotationProblem>();
        int i = 0;
        while (i < annotated.Length)
        {
            char c = annotated[i];
            if (c == ']')
            {
                problems.Add(new(i, Severity.Error, $"']' has no matching '['; {Syntax}"));
                text.Append(c);
                i++;
                continue;
            }
            if (c != '[')
            {
                text.Append(c);
                i++;
                continue;
            }
            int close = annotated.IndexOf(']', i + 1);
            int reopen = annotated.IndexOf('[', i + 1);
            if (close < 0)
            {
                problems.Add(new(i, Severity.Error, $"'[' is never closed with ']'; {Syntax}"));
                text.Append(annotated, i, annotated.Length - i);
                break;
            }
            if (reopen >= 0 && reopen < close)
            {
                problems.Add(new(i, Severity.Error, $"'[' is opened again at offset {reopen} before it is closed; annotations cannot nest"));
                text.Append(annotated, i, reopen - i);
                i = reopen;
                continue;
            }
            int after = close + 1;
            if (after >= annotated.Length || annotated[after] is not ('(' or '{' or '['))
            {
                text.Append(annotated, i, after - i);
                i = after;
                continue;
            }
            int end = FindClose(annotated, after);
            if (end < 0)
            {
                char opener = annotated[after];
                problems.Add(new(after, Severity.Error, $"'{opener}' of the annotation after [{Snippets.Quote(annotated[(i + 1)..close])}] is never closed with '{Closer(opener)}'"));
                text.Append(annotated, i + 1, close - i - 1);
                i = annotated.Length;
                continue;
            }
            string entityText = annotated[(i + 1)..close];
            var specs = ReadSpecs(annotated, after, end, problems);
            if (string.IsNullOrWhiteSpace(entityText))
                problems.Add(new(i, Severity.Error, "the entity annotation covers no text: put the words it labels inside [ ]"));
            else if (entityText.Trim().Length != entityText.Length)
                problems.Add(new(i, Severity.Warning, $"the entity text '[{Snippets.Quote(entityText)}]' starts or ends with spaces; the span should cover only the entity"));
            int start = text.Length;
            text.Append(entityText);
            if (!string.IsNullOrWhiteSpace(entityText))
                foreach (var spec in specs)
                    entities.Add(new EntitySpan(start, text.Length, spec.Entity, spec.Value ?? entityText, spec.Role, spec.Group));
            i = end + 1;
        }
        return new AnnotatedText(text.ToString(), entities, problems);
    }

    private sealed record Spec(string Entity, string? Value, string? Role, string? Group);

    private static char Closer(char opener) => opener switch { '(' => ')', '{' => '}', _ => ']' };

    /// <summary>Index of the bracket closing the one at <paramref name="open"/>, skipping JSON strings; -1 if none.</summary>
    private static int FindClose(string s, int open)
    {
        char opener = s[open], closer = Closer(opener);
        if (opener == '(') return s.IndexOf(')', open + 1);
        int depth = 0;
        bool inString = false;
        for (int k = open; k < s.Length; k++)
        {
            char c = s[k];
            if (inString)
            {
                if (c == '\\') k++;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c == opener) depth++;
            else if (c == closer && --depth == 0) return k;
        }
        return -1;
    }

    private static List<Spec> ReadSpecs(string s, int open, int close, List<AnnotationProblem> problems)
    {
        string body = s[(open + 1)..close];
        if (s[open] == '(')
        {
            int colon = body.IndexOf(':');
            string entity = (colon < 0 ? body : body[..colon]).Trim();
            string? value = colon < 0 ? null : body[(colon + 1)..].Trim();
            if (entity.Length == 0)
            {
                problems.Add(new(open, Severity.Error, $"the annotation '({Snippets.Quote(body)})' names no entity; {Syntax}"));
                return [];
            }
            return [new Spec(entity, string.IsNullOrEmpty(value) ? null : value, null, null)];
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(s[open..(close + 1)]);
        }
        catch (JsonException e)
        {
            problems.Add(new(open, Severity.Error, $"the annotation JSON is invalid: {ShortJsonMessage(e.Message)}"));
            return [];
        }
        using (document)
        {
            var objects = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().ToList()
                : [document.RootElement];
            var specs = new List<Spec>();
            foreach (var obj in objects)
                if (ReadSpec(obj, open, problems) is { } spec) specs.Add(spec);
            return specs;
        }
    }

    private static Spec? ReadSpec(JsonElement obj, int offset, List<AnnotationProblem> problems)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new(offset, Severity.Error, $"the annotation JSON must be an object like {{\"entity\": \"name\"}}, found {obj.ValueKind.ToString().ToLowerInvariant()}"));
            return null;
        }
        string? entity = null, value = null, role = null, group = null;
        foreach (var property in obj.EnumerateObject())
        {
            string? text = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null => null,
                _ => property.Value.GetRawText(),
            };
            switch (property.Name)
            {
                case "entity": entity = text; break;
                case "value": value = text; break;
                case "role": role = text; break;
                case "group": group = text; break;
                default:
                    problems.Add(new(offset, Severity.Warning, $"unknown key '{Snippets.Quote(property.Name)}' in the entity annotation is ignored (known: entity, value, role, group)"));
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(entity))
        {
            problems.Add(new(offset, Severity.Error, "the annotation JSON has no \"entity\" name, like {\"entity\": \"order_id\"}"));
            return null;
        }
        return new Spec(entity, value, role, group);
    }

    // System.Text.Json appends " Path: $ | LineNumber: 0 | BytePositionInLine: 12."; the caller reports its own position.
    private static string ShortJsonMessage(string message)
    {
        int path = message.IndexOf(" Path: ", StringComparison.Ordinal);
        int line = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        int cut = path >= 0 ? path : line;
        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
