using System.Globalization;
using static Kefu.Text.Chat.TemplateValues;

namespace Kefu.Text.Chat;

/// <summary>jinja2's filters and tests, and the Python string and dict methods, that chat templates use.</summary>
internal static class TemplateFilters
{
    private const string FilterNames = "tojson, trim, length, count, upper, lower, title, capitalize, default (d), first, last, join, string, int, float, list, items, reverse, replace, safe, abs, map, select, reject, selectattr, rejectattr, unique, sort";
    private const string TestNames = "defined, undefined, none, string, number, integer, float, boolean, mapping, sequence, iterable, true, false, equalto (eq, ==), ne (!=), in, odd, even, callable";

    public static object? Apply(string name, object? value, List<object?> args, Dictionary<string, object?> named, int line)
    {
        object? Arg(int k, string key, object? fallback) => named.TryGetValue(key, out var v) ? v : k < args.Count ? args[k] : fallback;
        switch (name)
        {
            case "tojson":
                // transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent, separators=..., sort_keys=...)
                var indent = Arg(0, "indent", null);
                if (Truthy(Arg(3, "sort_keys", false)))
                    throw TemplateRenderer.Error(line, "tojson(sort_keys=True) is not supported");
                return Json(value, indent is long n ? (int)n : null);
            case "trim":
                return Str(value).Trim();
            case "length" or "count":
                return value switch
                {
                    string s => (long)s.Length,
                    List<object?> l => (long)l.Count,
                    Dictionary<string, object?> m => (long)m.Count,
                    Undefined => 0L,
                    _ => throw TemplateRenderer.Error(line, $"{Repr(value)} has no length"),
                };
            case "upper":
                return Str(value).ToUpperInvariant();
            case "lower":
                return Str(value).ToLowerInvariant();
            case "title":
                return CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Str(value).ToLowerInvariant());
            case "capitalize":
                string c = Str(value);
                return c.Length == 0 ? c : char.ToUpperInvariant(c[0]) + c[1..].ToLowerInvariant();
            case "default" or "d":
                bool boolean = Truthy(Arg(1, "boolean", false));
                return value is Undefined || (boolean && !Truthy(value)) ? Arg(0, "default_value", "") : value;
            case "first":
                return TemplateRenderer.Items(value, line) is { Count: > 0 } first ? first[0] : new Undefined("first");
            case "last":
                return TemplateRenderer.Items(value, line) is { Count: > 0 } last ? last[^1] : new Undefined("last");
            case "join":
                string separator = Str(Arg(0, "d", ""));
                return string.Join(separator, TemplateRenderer.Items(value, line).Select(Str));
            case "string" or "safe":
                return Str(value);
            case "int":
                return value switch
                {
                    long l => l,
                    double d => (long)d,
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long p) => p,
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long l => (double)l,
                    double d => d,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double p) => p,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs":
                return value switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), _ => throw TemplateRenderer.Error(line, "abs needs a number") };
            case "list":
                return TemplateRenderer.Items(value, line).ToList();
            case "items":
                return value is Dictionary<string, object?> map
                    ? map.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
                    : throw TemplateRenderer.Error(line, "items needs a dict");
            case "reverse":
                return value is string r ? new string(r.Reverse().ToArray()) : Enumerable.Reverse(TemplateRenderer.Items(value, line)).ToList();
            case "replace":
                return Str(value).Replace(Str(Arg(0, "old", "")), Str(Arg(1, "new", "")), StringComparison.Ordinal);
            case "unique":
                var unique = new List<object?>();
                foreach (var item in TemplateRenderer.Items(value, line))
                {
                    if (!unique.Any(u => Same(u, item)))
                        unique.Add(item);
                }
                return unique;
            case "sort":
                var sorted = TemplateRenderer.Items(value, line).ToList();
                string? attribute = Arg(2, "attribute", null) as string;
                sorted.Sort((a, b) => Order(attribute is null ? a : Field(a, attribute), attribute is null ? b : Field(b, attribute)));
                if (Truthy(Arg(0, "reverse", false)))
                    sorted.Reverse();
                return sorted;
            case "map":
                var items = TemplateRenderer.Items(value, line);
                if (named.TryGetValue("attribute", out var field))
                    return items.Select(item => Field(item, Str(field)) is Undefined && named.TryGetValue("default", out var fallback) ? fallback : Field(item, Str(field))).ToList();
                if (args.Count > 0)
                    return items.Select(item => Apply(Str(args[0]), item, args.Skip(1).ToList(), [], line)).ToList();
                throw TemplateRenderer.Error(line, "map needs a filter name or attribute=");
            case "select" or "reject":
                return TemplateRenderer.Items(value, line)
                    .Where(item => (args.Count == 0 ? Truthy(item) : Test(Str(args[0]), item, args.Skip(1).ToList(), line)) == (name == "select")).ToList();
            case "selectattr" or "rejectattr":
                if (args.Count == 0)
                    throw TemplateRenderer.Error(line, $"{name} needs an attribute name");
                string attr = Str(args[0]);
                return TemplateRenderer.Items(value, line)
                    .Where(item => (args.Count == 1 ? Truthy(Field(item, attr)) : Test(Str(args[1]), Field(item, attr), args.Skip(2).ToList(), line)) == (name == "selectattr")).ToList();
            default:
                throw TemplateRenderer.Error(line, $"the filter '{name}' is not supported (supported: {FilterNames})");
        }
    }

    public static bool Test(string name, object? value, List<object?> args, int line)
    {
        switch (name)
        {
            case "defined": return value is not Undefined;
            case "undefined": return value is Undefined;
            case "none": return value is null;
            case "string": return value is string;
            case "number": return value is long or double;
            case "integer": return value is long;
            case "float": return value is double;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "mapping": return value is Dictionary<string, object?>;
            case "sequence": return value is List<object?> or string;
            case "iterable": return value is List<object?> or string or Dictionary<string, object?>;
            case "callable": return value is Function;
            case "odd": return value is long o && o % 2 != 0;
            case "even": return value is long e && e % 2 == 0;
            case "equalto" or "eq" or "==" or "sameas": return args.Count > 0 && Same(value, args[0]);
            case "ne" or "!=": return args.Count > 0 && !Same(value, args[0]);
            case "in": return args.Count > 0 && args[0] switch
            {
                List<object?> list => list.Any(v => Same(v, value)),
                string s => value is string t && s.Contains(t, StringComparison.Ordinal),
                Dictionary<string, object?> map => value is string k && map.ContainsKey(k),
                _ => false,
            };
            default:
                throw TemplateRenderer.Error(line, $"the test '{name}' is not supported (supported: {TestNames})");
        }
    }

    /// <summary>A Python str method bound to <paramref name="s"/>, or null when there is none of that name.</summary>
    public static Function? StringMethod(string s, string name, int line) => name switch
    {
        "strip" => new(name, (a, _) => a.Count > 0 && a[0] is string cs ? s.Trim(cs.ToCharArray()) : s.Trim()),
        "lstrip" => new(name, (a, _) => a.Count > 0 && a[0] is string cs ? s.TrimStart(cs.ToCharArray()) : s.TrimStart()),
        "rstrip" => new(name, (a, _) => a.Count > 0 && a[0] is string cs ? s.TrimEnd(cs.ToCharArray()) : s.TrimEnd()),
        "upper" => new(name, (_, _) => s.ToUpperInvariant()),
        "lower" => new(name, (_, _) => s.ToLowerInvariant()),
        "title" => new(name, (_, _) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(s.ToLowerInvariant())),
        "capitalize" => new(name, (_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()),
        "startswith" => new(name, (a, _) => a.Count > 0 && Prefixes(a[0]).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new(name, (a, _) => a.Count > 0 && Prefixes(a[0]).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "replace" => new(name, (a, _) => a.Count >= 2 ? s.Replace(Str(a[0]), Str(a[1]), StringComparison.Ordinal) : throw TemplateRenderer.Error(line, "replace needs two arguments")),
        "split" => new(name, (a, _) => Split(s, a.Count > 0 && a[0] is string sep ? sep : null, a.Count > 1 && a[1] is long max ? (int)max : -1)),
        "find" => new(name, (a, _) => (long)s.IndexOf(Str(a.Count > 0 ? a[0] : ""), StringComparison.Ordinal)),
        "count" => new(name, (a, _) => { string t = Str(a.Count > 0 ? a[0] : ""); return t.Length == 0 ? (long)s.Length + 1 : (long)((s.Length - s.Replace(t, "", StringComparison.Ordinal).Length) / t.Length); }),
        "join" => new(name, (a, _) => string.Join(s, TemplateRenderer.Items(a.Count > 0 ? a[0] : null, line).Select(Str))),
        "format" => throw TemplateRenderer.Error(line, "str.format() is not supported"),
        _ => null,
    };

    /// <summary>A Python dict method bound to <paramref name="map"/> (items, keys, values, get), or null.</summary>
    public static Function? DictMethod(Dictionary<string, object?> map, string name) => name switch
    {
        "items" => new(name, (_, _) => map.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
        "keys" => new(name, (_, _) => map.Keys.Select(k => (object?)k).ToList()),
        "values" => new(name, (_, _) => map.Values.ToList()),
        "get" => new(name, (a, _) => a.Count > 0 && a[0] is string k && map.TryGetValue(k, out var v) ? v : a.Count > 1 ? a[1] : null),
        _ => null,
    };

    private static object? Field(object? item, string name)
    {
        object? value = item;
        foreach (string part in name.Split('.'))
            value = value is Dictionary<string, object?> map && map.TryGetValue(part, out var v) ? v : new Undefined(part);
        return value;
    }

    private static int Order(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        (long x, double y) => ((double)x).CompareTo(y),
        (double x, long y) => x.CompareTo(y),
        (string x, string y) => string.CompareOrdinal(x, y),
        _ => 0,
    };

    private static IEnumerable<string> Prefixes(object? value) => value is List<object?> list ? list.Select(Str) : [Str(value)];

    // Python's str.split: no separator splits on runs of whitespace and drops empty parts
    private static List<object?> Split(string s, string? separator, int max)
    {
        if (separator is null)
        {
            var parts = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Select(p => (object?)p).ToList();
        }
        return (max < 0 ? s.Split(separator) : s.Split(separator, max + 1)).Select(p => (object?)p).ToList();
    }
}
