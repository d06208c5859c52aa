using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kefu.Text.Chat;

/// <summary>A name the template reads but nobody set (jinja2's Undefined): false, empty when printed, an error in arithmetic.</summary>
internal sealed record Undefined(string Name);

/// <summary>jinja2's namespace(): the one object a template may change from inside a loop.</summary>
internal sealed class Namespace : Dictionary<string, object?>
{
    public Namespace() : base(StringComparer.Ordinal) { }
}

/// <summary>A function or bound method the template can call: positional and named arguments.</summary>
internal sealed record Function(string Name, Func<List<object?>, Dictionary<string, object?>, object?> Invoke);

/// <summary>
/// Template values are Python's as jinja2 sees them: null (None), <see cref="Undefined"/>, bool, long, double, string,
/// List&lt;object?&gt;, Dictionary&lt;string, object?&gt; (insertion-ordered, as Python's dict). These helpers give
/// Python's truth, str(), ==, and json.dumps as transformers' tojson calls it (ensure_ascii=False).
/// </summary>
internal static class TemplateValues
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> map => map.Count > 0,
        _ => true,
    };

    /// <summary>Python's str(): None → "None", True → "True", Undefined → "", lists and dicts as repr.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'",
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> map => "{" + string.Join(", ", map.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
        Function f => $"<function {f.Name}>",
        _ => value.ToString() ?? "",
    };

    // Python's float repr: shortest round-trip digits, always with a '.' or an exponent
    public static string Float(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            var (mantissa, exponent) = (r[..r.IndexOf('E')], int.Parse(r[(r.IndexOf('E') + 1)..], CultureInfo.InvariantCulture));
            if (exponent >= -4 && exponent < 16)
                r = d.ToString("0.################", CultureInfo.InvariantCulture);
            else
                return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        return r.Contains('.') ? r : r + ".0";
    }

    public static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (Undefined, Undefined) => true,
        (long x, long y) => x == y,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (double x, double y) => x == y,
        (bool x, bool y) => x == y,
        (bool x, long y) => (x ? 1 : 0) == y,
        (long x, bool y) => x == (y ? 1 : 0),
        (string x, string y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Same(p.First, p.Second)),
        (Dictionary<string, object?> x, Dictionary<string, object?> y) => x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && Same(p.Value, v)),
        _ => false,
    };

    /// <summary>json.dumps(value, ensure_ascii=False, indent=indent): ", " and ": " separators without indent, "," and ": " with.</summary>
    public static string Json(object? value, int? indent)
    {
        var builder = new StringBuilder();
        WriteJson(builder, value, indent, 0);
        return builder.ToString();
    }

    private static void WriteJson(StringBuilder b, object? value, int? indent, int depth)
    {
        switch (value)
        {
            case null or Undefined:
                b.Append("null");
                break;
            case bool x:
                b.Append(x ? "true" : "false");
                break;
            case long l:
                b.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                b.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Float(d));
                break;
            case string s:
                JsonString(b, s);
                break;
            case List<object?> list:
                Container(b, '[', ']', list.Count, indent, depth, k => WriteJson(b, list[k], indent, depth + 1));
                break;
            case Dictionary<string, object?> map:
                var pairs = map.ToList();
                Container(b, '{', '}', pairs.Count, indent, depth, k =>
                {
                    JsonString(b, pairs[k].Key);
                    b.Append(": ");
                    WriteJson(b, pairs[k].Value, indent, depth + 1);
                });
                break;
            default:
                throw new ChatTemplateException($"chat template: tojson cannot write a {value.GetType().Name}.");
        }
    }

    private static void Container(StringBuilder b, char open, char close, int count, int? indent, int depth, Action<int> item)
    {
        b.Append(open);
        if (count == 0)
        {
            b.Append(close);
            return;
        }
        for (int k = 0; k < count; k++)
        {
            if (k > 0)
                b.Append(indent is null ? ", " : ",");
            if (indent is { } n)
                b.Append('\n').Append(' ', n * (depth + 1));
            item(k);
        }
        if (indent is { } m)
            b.Append('\n').Append(' ', m * depth);
        b.Append(close);
    }

    private static void JsonString(StringBuilder b, string s)
    {
        b.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case < ' ': b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: b.Append(c); break;
            }
        }
        b.Append('"');
    }

    /// <summary>A JSON value as a template value (objects keep their key order).</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => element.TryGetInt64(out long l) ? l : element.GetDouble(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        _ => element.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value), StringComparer.Ordinal),
    };

    /// <summary>A caller's value (string, number, bool, list, dictionary, JsonElement) as a template value.</summary>
    public static object? From(object? value) => value switch
    {
        null or string or bool or long or double or Undefined or Namespace or Function => value,
        int i => (long)i,
        float f => (double)f,
        decimal m => (double)m,
        JsonElement e => FromJson(e),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => From(p.Value), StringComparer.Ordinal),
        IDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => From(p.Value), StringComparer.Ordinal),
        IEnumerable<string> strings => strings.Select(s => (object?)s).ToList(),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(From).ToList(),
        _ => throw new ArgumentException($"A chat template cannot take a {value.GetType().Name}."),
    };
}
