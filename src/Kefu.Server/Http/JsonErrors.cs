using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kefu.Server.Http;

/// <summary>
/// What was wrong with a JSON body, for a client to read: where (byte offset and line, or the field's path) and what,
/// in JSON's words. System.Text.Json's own messages name .NET types ("could not be converted to System.String") and
/// end in "Path: $ | LineNumber: 0 | BytePositionInLine: 27."; none of that reaches a client.
/// <code>
/// malformed JSON at byte 27 (line 1): '}' is invalid after a property name. Expected a ':'.
/// sender must be a string, not the number 7
/// the request body must be a JSON object, not an array
/// </code>
/// </summary>
internal static class JsonErrors
{
    private const int MaxShownValue = 40;

    /// <param name="error">What the serializer threw reading <paramref name="body"/> as <paramref name="target"/>.</param>
    public static string Describe(JsonException error, ReadOnlySpan<byte> body, Type target, JsonSerializerOptions options)
    {
        if (SyntaxError(body, options) is { } syntax)
            return syntax;

        // Well-formed JSON of the wrong shape: the path names the value the serializer could not take.
        var segments = Segments(error.Path ?? "$");
        var actual = segments is null ? null : Actual(body, segments);
        var expected = segments is null ? null : Expected(target, segments, options);
        var field = error.Path is null or "$" ? null : error.Path.StartsWith("$.", StringComparison.Ordinal) ? error.Path[2..] : error.Path[1..];
        if (field is null)
            return $"the request body must be {expected ?? "a JSON object"}{(actual is null ? "" : $", not {actual}")}";
        if (expected is null || actual is null)
            return $"{field} does not have the expected type";
        return SameKind(expected, actual)
            ? $"{field} is {actual}, which cannot be read as {expected}"
            : $"{field} must be {expected}, not {actual}";
    }

    /// <summary>The reader's complaint with its position as a byte offset, or null when the body is well-formed JSON.</summary>
    private static string? SyntaxError(ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        });
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException e)
        {
            // "... LineNumber: 0 | BytePositionInLine: 27." is said below as a byte offset and a line counted from 1.
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0)
                reason = reason[..cut];
            if (reason.Contains("System.", StringComparison.Ordinal))
                reason = "not valid JSON";
            var line = e.LineNumber ?? 0;
            var offset = LineStart(body, line) + (e.BytePositionInLine ?? 0);
            return $"malformed JSON at byte {offset} (line {line + 1}): {reason.Trim()}";
        }
    }

    private static long LineStart(ReadOnlySpan<byte> body, long line)
    {
        long start = 0;
        for (var i = 0; i < body.Length && line > 0; i++)
            if (body[i] == (byte)'\n')
            {
                line--;
                start = i + 1;
            }
        return start;
    }

    /// <summary>"$.a.b[2]['c d']" as property names (string) and array indexes (int); null when it is not that shape.</summary>
    private static List<object>? Segments(string path)
    {
        if (!path.StartsWith('$'))
            return null;
        var segments = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0)
                    end = path.Length;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                    return null;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    return null;
                segments.Add(index);
                i = end + 1;
            }
            else
                return null;
        }
        return segments;
    }

    /// <summary>The value at the path, as a client would name it: "the number 7", "an array".</summary>
    private static string? Actual(ReadOnlySpan<byte> body, List<object> segments)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var element = document.RootElement;
        foreach (var segment in segments)
        {
            if (segment is int index)
            {
                if (element.ValueKind != JsonValueKind.Array || index >= element.GetArrayLength())
                    return null;
                element = element[index];
            }
            else if (element.ValueKind != JsonValueKind.Object || !TryProperty(element, (string)segment, out element))
                return null;
        }
        return element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "the string " + Shown(element.GetRawText()),
            JsonValueKind.Number => "the number " + Shown(element.GetRawText()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        };
    }

    /// <summary>Property names match as the serializer matches them (the web defaults: case-insensitive).</summary>
    private static bool TryProperty(JsonElement element, string name, out JsonElement value)
    {
        if (element.TryGetProperty(name, out value))
            return true;
        foreach (var property in element.EnumerateObject())
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        return false;
    }

    private static string Shown(string raw) => raw.Length <= MaxShownValue ? raw : raw[..MaxShownValue] + "…";

    /// <summary>What the contract wants at the path, in JSON's words; null when it takes anything or the path is not in it.</summary>
    private static string? Expected(Type target, List<object> segments, JsonSerializerOptions options)
    {
        var type = target;
        foreach (var segment in segments)
        {
            var info = options.GetTypeInfo(type);
            if (segment is int)
                type = info.ElementType;
            else
                type = info.Kind == JsonTypeInfoKind.Object
                    ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, (string)segment, StringComparison.OrdinalIgnoreCase))?.PropertyType
                    : info.Kind == JsonTypeInfoKind.Dictionary ? info.ElementType : null;
            if (type is null)
                return null;
        }
        return Kind(type, options, isRoot: segments.Count == 0);
    }

    private static string? Kind(Type type, JsonSerializerOptions options, bool isRoot)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(JsonElement) || type == typeof(object) || type.Namespace == "System.Text.Json.Nodes")
            return null;
        if (type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Uri))
            return "a string";
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(float) || type == typeof(double) || type == typeof(decimal))
            return "a number";
        if (type.IsPrimitive)
            return "a whole number";
        if (type.IsEnum)
            return "one of the names it allows";
        return options.GetTypeInfo(type).Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => isRoot ? "a JSON object" : "an object",
            _ => null,
        };
    }

    /// <summary>The value has the wanted kind but not a value the contract takes: 1.5 for a whole number, 1e400.</summary>
    private static bool SameKind(string expected, string actual) => expected switch
    {
        "a string" => actual.StartsWith("the string ", StringComparison.Ordinal),
        "a number" or "a whole number" => actual.StartsWith("the number ", StringComparison.Ordinal),
        "true or false" => actual is "true" or "false",
        _ => false,
    };
}
