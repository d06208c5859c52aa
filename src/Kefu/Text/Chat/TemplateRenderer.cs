using System.Globalization;
using System.Text;
using static Kefu.Text.Chat.TemplateValues;

namespace Kefu.Text.Chat;

/// <summary>
/// Runs a parsed template as jinja2 in transformers' ImmutableSandboxedEnvironment would: for loops get their own
/// scope and a loop object (index, index0, revindex, revindex0, first, last, length, previtem, nextitem), set writes
/// the current scope, namespace attributes live across scopes. Filters, tests, functions and string/dict methods are
/// the ones real chat templates use; any other is a <see cref="ChatTemplateException"/> naming it.
/// </summary>
internal sealed class TemplateRenderer
{
    private const string Filters = "tojson, trim, length, count, upper, lower, title, capitalize, default, first, last, join, string, int, float, list, items, reverse, replace, safe, abs, map, select, reject, selectattr, rejectattr, unique, sort";
    private readonly List<Dictionary<string, object?>> scopes = [];
    private readonly StringBuilder output = new();

    public TemplateRenderer(Dictionary<string, object?> globals)
    {
        var builtins = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["raise_exception"] = new Function("raise_exception", (a, _) => throw new ChatTemplateException($"chat template raised: {(a.Count > 0 ? Str(a[0]) : "")}")),
            ["namespace"] = new Function("namespace", (a, named) =>
            {
                var ns = new Namespace();
                foreach (var (key, value) in named)
                    ns[key] = value;
                return ns;
            }),
            ["range"] = new Function("range", (a, _) =>
            {
                long start = a.Count > 1 ? Integer(a[0]) : 0, stop = Integer(a.Count > 1 ? a[1] : a.Count > 0 ? a[0] : 0L), step = a.Count > 2 ? Integer(a[2]) : 1;
                if (step == 0)
                    throw new ChatTemplateException("chat template: range() step must not be 0.");
                var items = new List<object?>();
                for (long v = start; step > 0 ? v < stop : v > stop; v += step)
                    items.Add(v);
                return items;
            }),
            ["dict"] = new Function("dict", (_, named) => new Dictionary<string, object?>(named, StringComparer.Ordinal)),
            // transformers' strftime_now
            ["strftime_now"] = new Function("strftime_now", (a, _) => Strftime(DateTime.Now, a.Count > 0 ? Str(a[0]) : "")),
        };
        scopes.Add(builtins);
        scopes.Add(globals);
    }

    public string Render(List<Node> nodes)
    {
        Run(nodes);
        return output.ToString();
    }

    private enum Flow { Normal, Break, Continue }

    private Flow Run(List<Node> nodes)
    {
        foreach (var node in nodes)
        {
            var flow = Run(node);
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    private Flow Run(Node node)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode o:
                output.Append(Str(Eval(o.Value)));
                return Flow.Normal;
            case IfNode i:
                foreach (var (condition, body) in i.Branches)
                {
                    if (Truthy(Eval(condition)))
                        return Run(body);
                }
                return i.Else is null ? Flow.Normal : Run(i.Else);
            case ForNode f:
                return For(f);
            case SetNode s:
                var value = Eval(s.Value);
                if (s.Attribute is null)
                    scopes[^1][s.Name] = value;
                else if (Lookup(s.Name, s.Line) is Namespace ns)
                    ns[s.Attribute] = value;
                else
                    throw Error(s.Line, $"'{s.Name}.{s.Attribute}' can be set only when {s.Name} is a namespace()");
                return Flow.Normal;
            case BreakNode b:
                return b.Continue ? Flow.Continue : Flow.Break;
            default:
                throw Error(node.Line, $"cannot run {node.GetType().Name}");
        }
    }

    private Flow For(ForNode f)
    {
        var items = Items(Eval(f.Iterable), f.Line);
        if (f.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                scopes.Add(new Dictionary<string, object?>(StringComparer.Ordinal));
                Bind(f, item);
                if (Truthy(Eval(f.Filter)))
                    kept.Add(item);
                scopes.RemoveAt(scopes.Count - 1);
            }
            items = kept;
        }
        if (items.Count == 0)
            return f.Else is null ? Flow.Normal : Run(f.Else);
        for (int k = 0; k < items.Count; k++)
        {
            var loop = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["index"] = (long)k + 1,
                ["index0"] = (long)k,
                ["revindex"] = (long)(items.Count - k),
                ["revindex0"] = (long)(items.Count - k - 1),
                ["first"] = k == 0,
                ["last"] = k == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = k > 0 ? items[k - 1] : new Undefined("loop.previtem"),
                ["nextitem"] = k + 1 < items.Count ? items[k + 1] : new Undefined("loop.nextitem"),
            };
            scopes.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["loop"] = loop });
            Bind(f, items[k]);
            var flow = Run(f.Body);
            scopes.RemoveAt(scopes.Count - 1);
            if (flow == Flow.Break)
                break;
        }
        return Flow.Normal;
    }

    private void Bind(ForNode f, object? item)
    {
        if (f.Targets.Length == 1)
        {
            scopes[^1][f.Targets[0]] = item;
            return;
        }
        if (item is not List<object?> parts || parts.Count != f.Targets.Length)
            throw Error(f.Line, $"cannot unpack {Repr(item)} into {f.Targets.Length} names");
        for (int t = 0; t < f.Targets.Length; t++)
            scopes[^1][f.Targets[t]] = parts[t];
    }

    private object? Lookup(string name, int line)
    {
        for (int s = scopes.Count - 1; s >= 0; s--)
        {
            if (scopes[s].TryGetValue(name, out var value))
                return value;
        }
        return new Undefined(name);
    }

    private object? Eval(Expr expr)
    {
        switch (expr)
        {
            case Literal l:
                return l.Value;
            case Variable v:
                return Lookup(v.Name, v.Line);
            case ListExpr list:
                return list.Items.Select(Eval).ToList();
            case DictExpr dict:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in dict.Items)
                    map[Eval(key) as string ?? throw Error(dict.Line, "dict keys must be strings")] = Eval(value);
                return map;
            case Attribute a:
                return Member(Eval(a.Target), a.Name, a.Line);
            case Index i:
                return Subscript(Eval(i.Target), Eval(i.Key), i.Line);
            case Slice s:
                return Slicing(Eval(s.Target), s, s.Line);
            case Call c:
                var target = Eval(c.Target);
                if (target is not Function function)
                    throw Error(c.Line, $"{Describe(c.Target)} is not a function Kefu's chat templates know (raise_exception, namespace, range, dict, strftime_now, and string and dict methods)");
                return function.Invoke(c.Arguments.Select(Eval).ToList(), c.Named.ToDictionary(n => n.Name, n => Eval(n.Value)));
            case Filter f:
                return TemplateFilters.Apply(f.Name, Eval(f.Target), f.Arguments.Select(Eval).ToList(), f.Named.ToDictionary(n => n.Name, n => Eval(n.Value)), f.Line);
            case Test t:
                return TemplateFilters.Test(t.Name, Eval(t.Target), t.Arguments.Select(Eval).ToList(), t.Line) != t.Negated;
            case Unary u:
                var operand = Eval(u.Operand);
                return u.Operator switch
                {
                    "not" => !Truthy(operand),
                    "-" => operand switch { long n => (object)(-n), double d => -d, _ => throw Error(u.Line, $"cannot negate {Repr(operand)}") },
                    _ => operand is long or double ? operand : throw Error(u.Line, $"unary + on {Repr(operand)}"),
                };
            case Binary b:
                return Binary(b);
            case Conditional c:
                return Truthy(Eval(c.Condition)) ? Eval(c.Then) : c.Else is null ? new Undefined("(if without else)") : Eval(c.Else);
            default:
                throw Error(expr.Line, $"cannot evaluate {expr.GetType().Name}");
        }
    }

    private object? Binary(Binary b)
    {
        if (b.Operator == "and")
        {
            var left = Eval(b.Left);
            return Truthy(left) ? Eval(b.Right) : left;
        }
        if (b.Operator == "or")
        {
            var left = Eval(b.Left);
            return Truthy(left) ? left : Eval(b.Right);
        }
        var x = Eval(b.Left);
        var y = Eval(b.Right);
        if (b.Operator is "==" or "!=")
            return Same(x, y) == (b.Operator == "==");
        if (b.Operator == "~")
            return Str(x) + Str(y);
        if (b.Operator is "in" or "not in")
            return Contains(y, x, b.Line) == (b.Operator == "in");
        if (x is Undefined u1)
            throw Error(b.Line, $"'{u1.Name}' is undefined");
        if (y is Undefined u2)
            throw Error(b.Line, $"'{u2.Name}' is undefined");
        switch (b.Operator, x, y)
        {
            case ("+", string s, string t):
                return s + t;
            case ("+", List<object?> p, List<object?> q):
                return p.Concat(q).ToList();
            case ("*", string s, long n):
                return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, n)));
            case ("<" or "<=" or ">" or ">=", string s, string t):
                int order = string.CompareOrdinal(s, t);
                return Compare(b.Operator, order);
        }
        if (x is bool bx)
            x = bx ? 1L : 0L;
        if (y is bool by)
            y = by ? 1L : 0L;
        if (x is long i && y is long j)
        {
            return b.Operator switch
            {
                "+" => i + j,
                "-" => i - j,
                "*" => i * j,
                "/" => j == 0 ? throw Error(b.Line, "division by zero") : (double)i / j,
                "//" => j == 0 ? throw Error(b.Line, "division by zero") : (long)Math.Floor((double)i / j),
                "%" => j == 0 ? throw Error(b.Line, "modulo by zero") : ((i % j) + j) % j,
                "**" => (long)Math.Pow(i, j),
                _ => Compare(b.Operator, i.CompareTo(j)),
            };
        }
        if (x is long or double && y is long or double)
        {
            double p = Convert.ToDouble(x, CultureInfo.InvariantCulture), q = Convert.ToDouble(y, CultureInfo.InvariantCulture);
            return b.Operator switch
            {
                "+" => p + q,
                "-" => p - q,
                "*" => p * q,
                "/" => p / q,
                "//" => Math.Floor(p / q),
                "%" => p - q * Math.Floor(p / q),
                "**" => Math.Pow(p, q),
                _ => Compare(b.Operator, p.CompareTo(q)),
            };
        }
        throw Error(b.Line, $"unsupported operand types for {b.Operator}: {Repr(x)} and {Repr(y)}");
    }

    private static bool Compare(string op, int order) => op switch
    {
        "<" => order < 0,
        "<=" => order <= 0,
        ">" => order > 0,
        _ => order >= 0,
    };

    private bool Contains(object? container, object? item, int line) => container switch
    {
        string s => item is string t ? s.Contains(t, StringComparison.Ordinal) : throw Error(line, "'in <string>' needs a string on the left"),
        List<object?> list => list.Any(v => Same(v, item)),
        Dictionary<string, object?> map => item is string key && map.ContainsKey(key),
        Undefined u => throw Error(line, $"'{u.Name}' is undefined"),
        _ => throw Error(line, $"'in' needs a string, list or dict, got {Repr(container)}"),
    };

    private object? Member(object? target, string name, int line)
    {
        switch (target)
        {
            case Dictionary<string, object?> map:
                if (map.TryGetValue(name, out var value))
                    return value;
                return (object?)TemplateFilters.DictMethod(map, name) ?? new Undefined(name);
            case string s:
                return (object?)TemplateFilters.StringMethod(s, name, line) ?? new Undefined(name);
            case List<object?> list when name is "append" or "pop" or "insert" or "extend":
                throw Error(line, $"list.{name}() changes a list, which the sandboxed environment forbids");
            case Undefined u:
                throw Error(line, $"'{u.Name}' is undefined, so it has no attribute '{name}'");
            case null:
                throw Error(line, $"None has no attribute '{name}'");
            default:
                return new Undefined(name);
        }
    }

    private object? Subscript(object? target, object? key, int line)
    {
        switch (target, key)
        {
            case (Dictionary<string, object?> map, string k):
                return map.TryGetValue(k, out var value) ? value : new Undefined(k);
            case (List<object?> list, long i):
                long at = i < 0 ? list.Count + i : i;
                return at >= 0 && at < list.Count ? list[(int)at] : new Undefined($"[{i}]");
            case (string s, long i):
                long c = i < 0 ? s.Length + i : i;
                return c >= 0 && c < s.Length ? s[(int)c].ToString() : new Undefined($"[{i}]");
            case (Undefined u, _):
                throw Error(line, $"'{u.Name}' is undefined");
            case (_, string k):
                return Member(target, k, line);
            default:
                throw Error(line, $"cannot index {Repr(target)} with {Repr(key)}");
        }
    }

    private object? Slicing(object? target, Slice s, int line)
    {
        long? Bound(Expr? e) => e is null ? null : Eval(e) is long n ? n : Eval(e) is null ? null : throw Error(line, "slice bounds must be integers");
        long? start = Bound(s.Start), stop = Bound(s.Stop), step = Bound(s.Step) ?? 1;
        if (step == 0)
            throw Error(line, "slice step must not be 0");
        int count = target switch { List<object?> l => l.Count, string t => t.Length, _ => throw Error(line, $"cannot slice {Repr(target)}") };
        var indices = new List<int>();
        long Clamp(long v, long low, long high) => Math.Max(low, Math.Min(high, v < 0 ? v + count : v));
        if (step > 0)
        {
            for (long i = start is null ? 0 : Clamp(start.Value, 0, count), end = stop is null ? count : Clamp(stop.Value, 0, count); i < end; i += step.Value)
                indices.Add((int)i);
        }
        else
        {
            for (long i = start is null ? count - 1 : Clamp(start.Value, -1, count - 1), end = stop is null ? -1 : Clamp(stop.Value, -1, count - 1); i > end; i += step.Value)
                indices.Add((int)i);
        }
        return target is string text ? string.Concat(indices.Select(i => text[i])) : indices.Select(i => ((List<object?>)target!)[i]).ToList();
    }

    internal static List<object?> Items(object? value, int line) => value switch
    {
        List<object?> list => list,
        Dictionary<string, object?> map => map.Keys.Select(k => (object?)k).ToList(),
        string s => s.Select(c => (object?)c.ToString()).ToList(),
        Undefined or null => value is null ? throw Error(line, "cannot iterate over None") : [],
        _ => throw Error(line, $"cannot iterate over {Repr(value)}"),
    };

    private static long Integer(object? value) => value is long n ? n : throw new ChatTemplateException($"chat template: expected an integer, got {Repr(value)}.");

    private static string Describe(Expr e) => e switch
    {
        Variable v => $"'{v.Name}'",
        Attribute a => $"'.{a.Name}'",
        _ => "the called value",
    };

    // the strftime codes chat templates use (Llama 3's "%d %b %Y")
    private static string Strftime(DateTime now, string format) => format
        .Replace("%d", now.ToString("dd", CultureInfo.InvariantCulture)).Replace("%b", now.ToString("MMM", CultureInfo.InvariantCulture))
        .Replace("%B", now.ToString("MMMM", CultureInfo.InvariantCulture)).Replace("%Y", now.ToString("yyyy", CultureInfo.InvariantCulture))
        .Replace("%m", now.ToString("MM", CultureInfo.InvariantCulture)).Replace("%H", now.ToString("HH", CultureInfo.InvariantCulture))
        .Replace("%M", now.ToString("mm", CultureInfo.InvariantCulture));

    internal static ChatTemplateException Error(int line, string problem) => new($"chat template line {line}: {problem}.");
}
