using System.Globalization;

namespace Kefu.Knowledge.Graph;

/// <summary>An answer from the graph: the sentence, the entity the conversation is now about, the attribute asked, the entities listed.</summary>
public sealed record GraphAnswer(string Text, string? Subject, string? Attribute, IReadOnlyList<GraphEntity> Results, bool Answered);

/// <summary>
/// Answers a Chinese question from the graph, given what the conversation is about (the entity and attribute of the
/// previous answer, for 那它的电话呢 and 那故宫呢). Cases, in order:
/// <code>
/// type + near (+ filters)     neighbours of the subject: 故宫附近评分4.5以上的餐馆, 它附近的地铁站
/// type + filters, no subject  a filtered list, best rated first: 人均100以内的餐馆
/// subject + attribute         the fact: 故宫的门票多少钱, 它几点关门
/// subject alone               the remembered attribute (那天坛呢), else a short card (address, phone, rating)
/// </code>
/// Lists name at most <see cref="ListSize"/> entities; the first becomes the subject.
/// </summary>
public sealed class GraphAnswerer(IGraphStore store, EntityLinker linker, GraphVocabulary? vocabulary = null)
{
    public const int ListSize = 5;
    readonly GraphVocabulary words = vocabulary ?? GraphVocabulary.CrossWoz;

    public GraphAnswer Answer(string text, string? currentSubject = null, string? currentAttribute = null, IEnumerable<string>? nluEntityValues = null)
    {
        var q = GraphQuestionReader.Read(text, linker, words, nluEntityValues);
        var subject = Pick(q.Mentions, q.TargetType) ?? (currentSubject is { } id ? store.Get(id) : null);
        if (q.TargetType is { } type && (q.Near || q.Filters.Count > 0))
        {
            if (q.Near && subject is null) return Miss("您想查哪个地方附近的？请告诉我具体名称。");
            var hop = type == CrossWozImporter.StationType ? new Hop(CrossWozImporter.StationRelation, type) : new Hop(CrossWozImporter.Nearby, type);
            var query = new EntityQuery(type)
            {
                Filters = q.Filters,
                From = q.Near ? subject!.Id : null,
                Hops = q.Near ? [hop] : [],
                OrderBy = type == CrossWozImporter.StationType ? null : "评分",
                Descending = true,
                Limit = ListSize,
            };
            IReadOnlyList<GraphEntity> found;
            try { found = store.Query(query); }
            catch (GraphQueryException e) { return Miss("这个条件我查不了：" + e.Message); }
            if (type == CrossWozImporter.StationType && found.Count > 0)
                return Station(subject!, found[0], q.Attribute);
            string where = q.Near ? $"{subject!.Name}附近" : "";
            if (found.Count == 0) return new GraphAnswer($"没有找到符合条件的{where}{type}。", subject?.Id, null, [], true);
            var listed = string.Join("；", found.Select(Card));
            return new GraphAnswer($"为您找到{where}的{type}：{listed}。", found[0].Id, null, found, true);
        }
        if (subject is null)
            return Miss(q.Attribute is null ? "抱歉，我没找到您说的地方，请告诉我完整的名称。" : "您想问哪个地方的" + q.Attribute + "？");
        var attribute = q.Attribute ?? (q.Mentions.Count > 0 ? currentAttribute : null);
        if (attribute is null) return new GraphAnswer(Summary(subject), subject.Id, null, [subject], true);
        if (attribute == "出口" || (attribute == "地铁" && subject.Type == CrossWozImporter.StationType))
        {
            if (subject.Type == CrossWozImporter.StationType) return new GraphAnswer($"{subject.Name}的{ExitList(subject)}。", subject.Id, "出口", [subject], true);
            var station = store.Neighbors(subject.Id, new Hop(CrossWozImporter.StationRelation, CrossWozImporter.StationType), 1);
            if (station.Count > 0) return Station(subject, station[0], "出口");
        }
        return new GraphAnswer(Fact(subject, attribute), subject.Id, attribute, [subject], subject[attribute] is not null);
    }

    static GraphAnswer Miss(string text) => new(text, null, null, [], false);

    /// <summary>The mention to answer about: of the asked-for type when a question names one, else the first; for a shared name, places before stations.</summary>
    GraphEntity? Pick(IReadOnlyList<EntityMention> mentions, string? targetType)
    {
        foreach (var m in mentions)
        {
            var ids = m.EntityIds.OrderBy(id => id.StartsWith(CrossWozImporter.StationType + ":", StringComparison.Ordinal) ? 1 : 0).ToList();
            if (ids.Count > 0 && store.Get(ids[0]) is { } e) return e;
        }
        return null;
    }

    GraphAnswer Station(GraphEntity place, GraphEntity station, string? attribute)
    {
        var exit = place["地铁"]?.Text is { } full && full.StartsWith(station.Name, StringComparison.Ordinal) ? full[station.Name.Length..] : "";
        var text = exit.Length > 0
            ? $"{place.Name}附近的地铁站是{station.Name}，从{exit}出站；该站的{ExitList(station)}。"
            : $"{place.Name}附近的地铁站是{station.Name}，{ExitList(station)}。";
        return new GraphAnswer(text, place.Id, attribute ?? "地铁", [station], true);
    }

    // a graph imported before empty exits were dropped may still hold one
    static string ExitList(GraphEntity station) =>
        string.Join("、", station["出口"]?.Items?.Where(e => e.Length > 0) ?? []) is { Length: > 0 } exits ? $"出口有：{exits}" : "出口不详";

    static string Fact(GraphEntity e, string attribute)
    {
        if (e[attribute] is not { } v) return $"抱歉，没有{e.Name}的{attribute}信息。";
        string value = v.ToString();
        return attribute switch
        {
            "门票" when v.Number == 0 => $"{e.Name}免费，不需要门票。",
            "门票" => $"{e.Name}的门票是{value}元。",
            "人均消费" => $"{e.Name}的人均消费是{value}元。",
            "价格" => $"{e.Name}的价格是{value}元一晚。",
            "评分" => $"{e.Name}的评分是{value}分。",
            "推荐菜" or "酒店设施" => $"{e.Name}的{attribute}有：{string.Join("、", (v.Items ?? []).Take(8))}。",
            _ => $"{e.Name}的{attribute}是{value}。",
        };
    }

    static string Card(GraphEntity e)
    {
        var parts = new List<string>();
        if (e["评分"]?.Number is { } r) parts.Add($"评分{r.ToString(CultureInfo.InvariantCulture)}");
        if (e["人均消费"]?.Number is { } p) parts.Add($"人均{p}元");
        if (e["价格"]?.Number is { } h) parts.Add($"{h}元一晚");
        if (e["门票"]?.Number is { } t) parts.Add(t == 0 ? "免费" : $"门票{t}元");
        if (e["酒店类型"]?.Text is { } k) parts.Add(k);
        return parts.Count > 0 ? $"{e.Name}（{string.Join("，", parts)}）" : e.Name;
    }

    static string Summary(GraphEntity e)
    {
        var parts = new List<string> { $"{e.Name}是一家{e.Type}" };
        if (e.Type == "景点") parts[0] = $"{e.Name}是一个景点";
        foreach (var a in new[] { "地址", "电话", "评分" })
            if (e[a] is { } v) parts.Add($"{a}：{v}");
        return string.Join("，", parts) + "。";
    }
}
