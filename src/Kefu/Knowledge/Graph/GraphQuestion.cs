using System.Globalization;
using System.Text.RegularExpressions;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// What a question asks of the graph. Subject: the entity it is about (linked, or the remembered one for 它/那);
/// Attribute: the fact asked (电话); TargetType with Near: entities of a type related to the subject (离故宫近的餐馆);
/// Filters: conditions on the target type (评分4.5以上, 人均100以内).
/// </summary>
public sealed record GraphQuestion(IReadOnlyList<EntityMention> Mentions, string? Attribute, string? TargetType, bool Near,
    IReadOnlyList<AttributeFilter> Filters, bool Pronoun);

/// <summary>
/// Words of a graph's schema: attribute and type synonyms, and which attribute a bare number filters for a type.
/// <see cref="CrossWoz"/> is the vocabulary of the CrossWOZ graph; another graph passes its own.
/// </summary>
public sealed record GraphVocabulary(
    IReadOnlyList<(string Word, string Attribute)> Attributes,
    IReadOnlyList<(string Word, string Type)> Types,
    IReadOnlyDictionary<string, string> PriceAttribute,
    IReadOnlyList<(string Word, string Attribute, string Value)> Values)
{
    /// <summary>Longer words first, so 几点关门 wins over 几点 and 地铁站 over 地铁.</summary>
    public static readonly GraphVocabulary CrossWoz = new(
        Attributes: Sorted([
            ("电话", "电话"), ("号码", "电话"), ("联系方式", "电话"), ("手机", "电话"), ("热线", "电话"),
            ("地址", "地址"), ("在哪", "地址"), ("位置", "地址"), ("什么地方", "地址"), ("哪条路", "地址"),
            ("评分", "评分"), ("几分", "评分"), ("多少分", "评分"), ("分数", "评分"), ("口碑", "评分"), ("评价", "评分"),
            ("门票", "门票"), ("票价", "门票"), ("门票价格", "门票"), ("要钱", "门票"), ("收费", "门票"),
            ("人均", "人均消费"), ("消费", "人均消费"), ("一个人", "人均消费"),
            ("价格", "价格"), ("房价", "价格"), ("一晚", "价格"), ("住一晚", "价格"),
            ("营业时间", "营业时间"), ("几点关门", "营业时间"), ("几点开门", "营业时间"), ("几点营业", "营业时间"), ("开到几点", "营业时间"),
            ("营业", "营业时间"), ("开门", "营业时间"), ("关门", "营业时间"),
            ("游玩时间", "游玩时间"), ("玩多久", "游玩时间"), ("玩多长时间", "游玩时间"), ("逛多久", "游玩时间"), ("花多长时间", "游玩时间"),
            ("推荐菜", "推荐菜"), ("招牌菜", "推荐菜"), ("特色菜", "推荐菜"), ("什么好吃", "推荐菜"), ("拿手菜", "推荐菜"),
            ("设施", "酒店设施"), ("服务", "酒店设施"),
            ("酒店类型", "酒店类型"), ("档次", "酒店类型"), ("什么类型", "酒店类型"), ("星级", "酒店类型"),
            ("地铁站", "地铁"), ("地铁", "地铁"), ("哪个口", "地铁"), ("出口", "出口"),
        ]),
        Types: Sorted([
            ("餐馆", "餐馆"), ("餐厅", "餐馆"), ("饭店", "餐馆"), ("饭馆", "餐馆"), ("吃饭", "餐馆"), ("吃的", "餐馆"), ("美食", "餐馆"),
            ("酒店", "酒店"), ("宾馆", "酒店"), ("住的", "酒店"), ("住宿", "酒店"), ("旅馆", "酒店"),
            ("景点", "景点"), ("景区", "景点"), ("玩的", "景点"), ("好玩", "景点"), ("逛的", "景点"),
            ("地铁站", "地铁站"),
        ]),
        PriceAttribute: new Dictionary<string, string> { ["餐馆"] = "人均消费", ["酒店"] = "价格", ["景点"] = "门票" },
        Values: [("经济型", "酒店类型", "经济型"), ("舒适型", "酒店类型", "舒适型"), ("高档型", "酒店类型", "高档型"), ("豪华型", "酒店类型", "豪华型"),
            ("免费", "门票", "0")]);

    static List<(string, string)> Sorted(List<(string W, string A)> words) => [.. words.OrderByDescending(w => w.W.Length)];
}

/// <summary>Reads a Chinese question into a <see cref="GraphQuestion"/> with the vocabulary and the linker (rules, no training).</summary>
public static partial class GraphQuestionReader
{
    public static GraphQuestion Read(string text, EntityLinker linker, GraphVocabulary vocabulary, IEnumerable<string>? nluEntityValues = null)
    {
        var mentions = new List<EntityMention>();
        foreach (var value in nluEntityValues ?? [])
            if (linker.Exact(value) is [var m, ..] && m.Alias.Length == Text.Tokenizer.Normalize(value).Length)
            {
                int at = Text.Tokenizer.Normalize(text).IndexOf(m.Alias, StringComparison.Ordinal);
                mentions.Add(m with { Start = Math.Max(0, at), End = at < 0 ? 0 : at + m.Alias.Length });
            }
        if (mentions.Count == 0) mentions.AddRange(linker.Link(text));
        // Words are looked for outside the mentions: 北京贵都大酒店的电话 is not a question about hotels.
        var rest = Text.Tokenizer.Normalize(text).ToCharArray();
        foreach (var m in mentions) for (int i = m.Start; i < m.End && i < rest.Length; i++) rest[i] = ' ';
        var free = new string(rest);

        string? target = null;
        int targetAt = int.MaxValue;
        foreach (var (word, type) in vocabulary.Types)
            if (free.IndexOf(word, StringComparison.Ordinal) is >= 0 and var at && at < targetAt) { target = type; targetAt = at; }
        string? attribute = null;
        foreach (var (word, attr) in vocabulary.Attributes)
        {
            int at = free.IndexOf(word, StringComparison.Ordinal);
            // "附近的地铁站": 地铁站 as a target, unless an exit is asked (X附近地铁站的出口).
            if (at >= 0 && !(word == "地铁站" && target == "地铁站" && !free.Contains("出口"))) { attribute = attr; break; }
        }
        bool near = NearRegex().IsMatch(free);
        var filters = Filters(free, target, vocabulary);
        if (target == "地铁站") { near = true; if (attribute == "地铁") attribute = "出口"; }
        // A filter or a "near" makes the question one about a type; a bare attribute word is about the subject.
        if (target is not null && filters.Count == 0 && !near && mentions.Count > 0) target = null;
        bool pronoun = PronounRegex().IsMatch(free);
        return new GraphQuestion(mentions, attribute, target, near, filters, pronoun);
    }

    static List<AttributeFilter> Filters(string text, string? type, GraphVocabulary vocabulary)
    {
        var filters = new List<AttributeFilter>();
        foreach (var (word, attr, value) in vocabulary.Values)
            if (text.Contains(word, StringComparison.Ordinal))
                filters.Add(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                    ? AttributeFilter.AtMost(attr, n) : AttributeFilter.Is(attr, value));
        foreach (Match m in RangeRegex().Matches(text))
        {
            double low = Number(m.Groups["a"].Value), high = Number(m.Groups["b"].Value);
            filters.Add(AttributeFilter.Between(AttributeFor(text, m.Index, low, type, vocabulary), Math.Min(low, high), Math.Max(low, high)));
        }
        foreach (Match m in BoundRegex().Matches(text))
        {
            if (RangeRegex().Matches(text).Any(r => r.Index <= m.Index && m.Index < r.Index + r.Length)) continue;
            double n = Number(m.Groups["n"].Value);
            string before = m.Groups["pre"].Value, after = m.Groups["post"].Value;
            bool atLeast = before is "高于" or "超过" or "大于" or "至少" or "不低于" or "不少于" or "起码"
                || after is "以上" or "及以上" or "或以上" or "往上" or "起";
            bool atMost = before is "不超过" or "不到" or "低于" or "少于" or "小于" or "最多" or "不高于" or "不要超过"
                || after is "以内" or "之内" or "以下" or "及以下" or "内" or "左右";
            if (!atLeast && !atMost) continue;
            var attr = AttributeFor(text, m.Index, n, type, vocabulary);
            filters.Add(atLeast ? AttributeFilter.AtLeast(attr, n) : AttributeFilter.AtMost(attr, n));
        }
        return filters;
    }

    /// <summary>The attribute a number is about: a word just before it (评分, 人均, 门票, 价格), else 评分 for 0–5 with 分 or a decimal, else the type's price.</summary>
    static string AttributeFor(string text, int at, double n, string? type, GraphVocabulary vocabulary)
    {
        var before = text[Math.Max(0, at - 6)..at];
        foreach (var (word, attr) in vocabulary.Attributes)
            if (before.Contains(word, StringComparison.Ordinal) && attr is "评分" or "人均消费" or "门票" or "价格") return attr;
        var after = text[at..Math.Min(text.Length, at + 8)];
        if (n <= 5 && (after.Contains('分') || n != Math.Floor(n))) return "评分";
        return type is not null && vocabulary.PriceAttribute.TryGetValue(type, out var price) ? price : "评分";
    }

    static double Number(string s) => ChineseDigits.TryGetValue(s, out var d) ? d : double.Parse(s, CultureInfo.InvariantCulture);

    static readonly Dictionary<string, double> ChineseDigits = new() { ["一"] = 1, ["两"] = 2, ["二"] = 2, ["三"] = 3, ["四"] = 4, ["五"] = 5, ["一百"] = 100, ["两百"] = 200, ["三百"] = 300, ["五百"] = 500, ["一千"] = 1000 };

    [GeneratedRegex(@"附近|周边|周围|旁边|边上|离.{1,20}?近|不远|临近|挨着")] private static partial Regex NearRegex();
    [GeneratedRegex(@"(?<![\w])(它|那|这家|这个|那家|那个|该)")] private static partial Regex PronounRegex();
    [GeneratedRegex(@"(?<a>\d+(?:\.\d+)?)\s*(?:元|块|分)?\s*(?:到|至|-|~|—)\s*(?<b>\d+(?:\.\d+)?)")] private static partial Regex RangeRegex();
    [GeneratedRegex(@"(?<pre>不要超过|不超过|不到|低于|少于|小于|最多|不高于|高于|超过|大于|至少|不低于|不少于|起码)?\s*(?<n>\d+(?:\.\d+)?|一百|两百|三百|五百|一千|一|两|二|三|四|五)\s*(?:元|块钱|块|分|星)?\s*(?<post>及以上|或以上|以上|往上|起|以内|之内|及以下|以下|内|左右)?")] private static partial Regex BoundRegex();
}
