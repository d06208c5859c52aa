using System.Globalization;
using System.Text.RegularExpressions;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// A one-line form of <see cref="EntityQuery"/> for the CLI and the API, space-separated:
/// <code>
/// TYPE                     first word: the entity type (餐馆)
/// ATTR>=N  ATTR<=N  ATTR=N-M   numeric bounds, inclusive (评分>=4.5 人均消费<=100 价格=300-500)
/// ATTR=TEXT  ATTR~TEXT     equals / contains (酒店类型=高档型, 推荐菜~豆汁)
/// from:ID  via:REL[/TYPE]  start entity and a hop (one or two via:, e.g. via:周边/酒店 via:周边)
/// order:ATTR  order:-ATTR  limit:N
/// </code>
/// 餐馆 评分>=4.5 人均消费<=100 from:景点:故宫 via:周边 order:-评分 limit:5
/// </summary>
public static partial class GraphQueryText
{
    public static EntityQuery Parse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) throw new GraphQueryException("an empty query: start with an entity type (餐馆, 酒店...)");
        var query = new EntityQuery(words[0]);
        var filters = new List<AttributeFilter>();
        var hops = new List<Hop>();
        foreach (var w in words.Skip(1))
        {
            if (w.StartsWith("from:", StringComparison.Ordinal)) query = query with { From = w[5..] };
            else if (w.StartsWith("via:", StringComparison.Ordinal))
            {
                var parts = w[4..].Split('/', 2);
                hops.Add(new Hop(parts[0].Length > 0 ? parts[0] : null, parts.Length > 1 ? parts[1] : null));
            }
            else if (w.StartsWith("order:", StringComparison.Ordinal))
                query = w[6..].StartsWith('-') ? query with { OrderBy = w[7..], Descending = true } : query with { OrderBy = w[6..] };
            else if (w.StartsWith("limit:", StringComparison.Ordinal))
                query = query with { Limit = int.TryParse(w[6..], out var n) && n > 0 ? n : throw new GraphQueryException($"'{w}': limit is a positive number") };
            else if (ConditionRegex().Match(w) is { Success: true } m) filters.Add(Condition(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, w));
            else throw new GraphQueryException($"'{w}' is not a condition (ATTR>=N, ATTR<=N, ATTR=N-M, ATTR=TEXT, ATTR~TEXT), from:, via:, order: or limit:");
        }
        if (hops.Count > 0 && query.From is null) throw new GraphQueryException("via: needs from:ENTITY_ID");
        // The last hop reaches the queried type unless it names one.
        if (hops.Count > 0 && hops[^1].TargetType is null) hops[^1] = hops[^1] with { TargetType = query.Type };
        return query with { Filters = filters, Hops = hops };
    }

    static AttributeFilter Condition(string attr, string op, string value, string word)
    {
        static bool Num(string s, out double n) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out n);
        switch (op)
        {
            case ">=": return Num(value, out var a) ? AttributeFilter.AtLeast(attr, a) : throw Bad(word);
            case "<=": return Num(value, out var b) ? AttributeFilter.AtMost(attr, b) : throw Bad(word);
            case "~": return AttributeFilter.Has(attr, value);
            default:
                if (RangeRegex().Match(value) is { Success: true } r && Num(r.Groups[1].Value, out var lo) && Num(r.Groups[2].Value, out var hi))
                    return AttributeFilter.Between(attr, lo, hi);
                return Num(value, out var eq) ? new AttributeFilter(attr, FilterOp.Equals, eq) : AttributeFilter.Is(attr, value);
        }
    }

    static GraphQueryException Bad(string word) => new($"'{word}': the bound is not a number");

    [GeneratedRegex(@"^([^<>=~]+)(>=|<=|=|~)(.+)$")] private static partial Regex ConditionRegex();
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")] private static partial Regex RangeRegex();
}
