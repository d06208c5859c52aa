using System.Text.Json;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// CrossWOZ's database (../shared/datasets/crosswoz/database, see its database.md) into the graph:
/// <code>
/// 景点 / 餐馆 / 酒店   one entity each, id "TYPE:名称"; scalar fields as text or number, lists (推荐菜, 酒店设施) as items
/// 周边景点/餐馆/酒店   relation 周边 to the entity of that type and name (symmetric in the data; names missing there are skipped)
/// 地铁 "X地铁站A口"    attribute 地铁 kept; relation 地铁站 to entity 地铁站:X地铁站 whose 出口 lists every exit seen
/// metro_db            the same exits for its places (name → exit); taxi_db is a template (database.md): not imported
/// </code>
/// The "nearby" lists are thousands of names per place; the import keeps them all (the data is symmetric, so
/// either direction answers 离X近的Y).
/// </summary>
public static class CrossWozImporter
{
    /// <summary>What was imported; SkippedRows: rows that are not [name, {fields}] (each named in Skipped as file:index).</summary>
    public sealed record Report(int Entities, int Relations, IReadOnlyDictionary<string, int> ByType, int MissingNearby, IReadOnlyList<string> Skipped)
    {
        public int SkippedRows => Skipped.Count;

        public override string ToString() =>
            $"{Entities} entities ({string.Join(", ", ByType.Select(t => $"{t.Key} {t.Value}"))}), {Relations} relations, {MissingNearby} nearby names not in the data" +
            (Skipped.Count > 0 ? $", {Skipped.Count} malformed rows skipped ({string.Join(", ", Skipped.Take(5))}{(Skipped.Count > 5 ? ", ..." : "")})" : "");
    }

    static readonly (string File, string Type)[] places = [("attraction_db.json", "景点"), ("restaurant_db.json", "餐馆"), ("hotel_db.json", "酒店")];
    static readonly Dictionary<string, string> nearbyFields = new() { ["周边景点"] = "景点", ["周边餐馆"] = "餐馆", ["周边酒店"] = "酒店" };
    public const string StationType = "地铁站", Nearby = "周边", StationRelation = "地铁站";

    public static Report Import(string folder, IGraphStore store)
    {
        foreach (var (file, _) in places)
            if (!File.Exists(Path.Combine(folder, file))) throw new FileNotFoundException($"{Path.Combine(folder, file)}: missing; is this CrossWOZ's database folder?");
        var entities = new Dictionary<string, GraphEntity>(StringComparer.Ordinal);
        var nearby = new List<(string From, string Type, string Name)>();
        var stationExits = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var placeStation = new List<(string Place, string Station)>();
        var skipped = new List<string>();
        foreach (var (file, type) in places)
            foreach (var (name, record) in Rows(Path.Combine(folder, file), skipped))
            {
                var id = GraphEntity.MakeId(type, name);
                var attrs = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                foreach (var field in record.EnumerateObject())
                {
                    if (field.Name is "领域" or "名称") continue;
                    if (nearbyFields.TryGetValue(field.Name, out var target))
                    {
                        if (field.Value.ValueKind == JsonValueKind.Array)
                            foreach (var n in field.Value.EnumerateArray())
                                if (n.ValueKind == JsonValueKind.String) nearby.Add((id, target, n.GetString()!));
                        continue;
                    }
                    if (Value(field.Value) is { } v) attrs[field.Name] = v;
                }
                if (attrs.GetValueOrDefault("地铁")?.Text is { } exit && SplitExit(exit) is var (station, door))
                {
                    AddExit(stationExits, station, door);
                    placeStation.Add((id, station));
                }
                entities[id] = new GraphEntity(id, type, name, attrs);
            }
        if (File.Exists(Path.Combine(folder, "metro_db.json")))
            foreach (var (_, record) in Rows(Path.Combine(folder, "metro_db.json"), skipped))
                if (record.TryGetProperty("地铁", out var m) && m.GetString() is { } exit && SplitExit(exit) is var (station, door))
                    AddExit(stationExits, station, door);

        var relations = new List<GraphRelation>();
        int missing = 0;
        foreach (var (from, type, name) in nearby)
        {
            var to = GraphEntity.MakeId(type, name);
            if (entities.ContainsKey(to) && to != from) relations.Add(new GraphRelation(from, Nearby, to));
            else if (!entities.ContainsKey(to)) missing++;
        }
        foreach (var (station, exits) in stationExits)
        {
            var id = GraphEntity.MakeId(StationType, station);
            entities[id] = new GraphEntity(id, StationType, station, new Dictionary<string, AttributeValue> { ["出口"] = AttributeValue.Of([.. exits]) });
        }
        foreach (var (place, station) in placeStation)
            relations.Add(new GraphRelation(place, StationRelation, GraphEntity.MakeId(StationType, station)));
        store.Upsert(entities.Values, relations);
        var byType = entities.Values.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        return new Report(entities.Count, relations.Count, byType, missing, skipped);
    }

    // the station is known either way; "灯市口地铁站" alone names no exit (the data has it beside 灯市口地铁站A口)
    static void AddExit(Dictionary<string, SortedSet<string>> map, string station, string door)
    {
        if (!map.TryGetValue(station, out var set)) map[station] = set = new SortedSet<string>(StringComparer.Ordinal);
        if (door.Length > 0) set.Add(door);
    }

    /// <summary>"灯市口地铁站A口" → ("灯市口地铁站", "A口"); an exit without a letter keeps the whole name as its station.</summary>
    internal static (string Station, string Exit)? SplitExit(string exit)
    {
        int at = exit.LastIndexOf("地铁站", StringComparison.Ordinal);
        if (at < 0) return null;
        return (exit[..(at + 3)], exit[(at + 3)..]);
    }

    static AttributeValue? Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() is { Length: > 0 } s ? AttributeValue.Of(s) : null,
        JsonValueKind.Number => AttributeValue.Of(v.GetDouble()),
        JsonValueKind.Array => AttributeValue.Of(v.EnumerateArray().Select(x => x.ToString()).ToList()),
        _ => null,
    };

    /// <summary>The database's rows: [name, {fields}] pairs; any other row is skipped and named in <paramref name="skipped"/> as file:index.</summary>
    static IEnumerable<(string Name, JsonElement Record)> Rows(string path, List<string> skipped)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new KnowledgeFormatException(path, (int)(e.LineNumber ?? -1) + 1, "not valid JSON: " + e.Message); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new KnowledgeFormatException(path, 1, "a CrossWOZ database file is a list of [name, {fields}] rows");
        var rows = new List<(string, JsonElement)>();
        int index = 0;
        foreach (var row in doc.RootElement.EnumerateArray())
        {
            if (row.ValueKind == JsonValueKind.Array && row.GetArrayLength() == 2 && row[0].ValueKind == JsonValueKind.String
                && row[0].GetString() is { Length: > 0 } name && row[1].ValueKind == JsonValueKind.Object)
                rows.Add((name, row[1].Clone()));
            else skipped.Add($"{Path.GetFileName(path)}:{index}");
            index++;
        }
        return rows;
    }
}
