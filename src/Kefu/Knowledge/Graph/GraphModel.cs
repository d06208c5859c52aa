namespace Kefu.Knowledge.Graph;

/// <summary>An attribute's value: text, a number (comparable), or a list of texts (推荐菜, 酒店设施).</summary>
public sealed record AttributeValue(string? Text = null, double? Number = null, IReadOnlyList<string>? Items = null)
{
    public static AttributeValue Of(string text) => new(Text: text);
    public static AttributeValue Of(double number) => new(Number: number);
    public static AttributeValue Of(IReadOnlyList<string> items) => new(Items: items);

    public override string ToString() =>
        Items is { } items ? string.Join("、", items) : Number is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : Text ?? "";
}

/// <summary>A typed entity: Id is "TYPE:NAME" for imported data (names are unique within a type).</summary>
public sealed record GraphEntity(string Id, string Type, string Name, IReadOnlyDictionary<string, AttributeValue> Attributes)
{
    public AttributeValue? this[string attribute] => Attributes.GetValueOrDefault(attribute);

    public static string MakeId(string type, string name) => type + ":" + name;
}

/// <summary>A typed, directed relation (周边 from a hotel to a restaurant, 地铁站 from a place to a station).</summary>
public sealed record GraphRelation(string From, string Type, string To);

public enum FilterOp { Equals, Contains, AtLeast, AtMost, Between }

/// <summary>
/// One condition on an attribute: numbers compare (AtLeast/AtMost/Between inclusive, as CrossWOZ's "x-y"); Equals and
/// Contains match text, and for a list attribute any item (Contains: every space-separated word must be in some item).
/// </summary>
public sealed record AttributeFilter(string Attribute, FilterOp Op, double? Number = null, double? Upper = null, string? Text = null)
{
    public static AttributeFilter AtLeast(string attribute, double n) => new(attribute, FilterOp.AtLeast, n);
    public static AttributeFilter AtMost(string attribute, double n) => new(attribute, FilterOp.AtMost, n);
    public static AttributeFilter Between(string attribute, double low, double high) => new(attribute, FilterOp.Between, low, high);
    public static AttributeFilter Is(string attribute, string text) => new(attribute, FilterOp.Equals, Text: text);
    public static AttributeFilter Has(string attribute, string text) => new(attribute, FilterOp.Contains, Text: text);
}

/// <summary>A hop: follow relations of <see cref="Relation"/> (any when null) to entities of <see cref="TargetType"/> (any when null).</summary>
public sealed record Hop(string? Relation, string? TargetType);

/// <summary>
/// Entities of <see cref="Type"/> passing every filter; with <see cref="From"/> only those reached from that entity by
/// the hops (one or two: 离故宫近的餐馆 is From=故宫, Hops=[周边→餐馆]); ordered by an attribute (missing values last).
/// </summary>
public sealed record EntityQuery(string Type)
{
    public IReadOnlyList<AttributeFilter> Filters { get; init; } = [];
    public string? From { get; init; }
    public IReadOnlyList<Hop> Hops { get; init; } = [];
    public string? OrderBy { get; init; }
    public bool Descending { get; init; }
    public int Limit { get; init; } = 10;
}

/// <summary>A query the graph cannot answer as asked (an unknown entity type or attribute): the message says what is known.</summary>
public sealed class GraphQueryException(string message) : Exception(message);

/// <summary>What every <see cref="IGraphStore"/> refuses before it runs a query, with the same words.</summary>
public static class GraphQueryChecks
{
    public static void Check(IGraphStore store, EntityQuery query)
    {
        if (query.Type.Length > 0) CheckType(store, query.Type);
        if (query.Hops.Count > 2) throw new GraphQueryException("a query follows at most two hops");
        if (query.Hops.Count > 0 && query.From is null) throw new GraphQueryException("hops need the entity they start from");
        foreach (var hop in query.Hops) if (hop.TargetType is { } t) CheckType(store, t);
        var known = query.Type.Length > 0 ? store.Attributes(query.Type).ToHashSet() : null;
        foreach (var name in query.Filters.Select(f => f.Attribute).Append(query.OrderBy).OfType<string>())
            if (known is not null && !known.Contains(name))
                throw new GraphQueryException($"'{query.Type}' has no attribute '{name}'; it has: {string.Join(", ", known)}");
    }

    public static void CheckType(IGraphStore store, string type)
    {
        var types = store.Types();
        if (!types.ContainsKey(type))
            throw new GraphQueryException($"unknown entity type '{type}'; known types: {string.Join(", ", types.Keys)}");
    }
}

/// <summary>
/// The knowledge graph's storage. SQLite by default (<see cref="SqliteGraphStore"/>); Kefu.Server's PostgresGraphStore implements the
/// same interface with the same tests. Reads are thread-safe.
/// </summary>
public interface IGraphStore
{
    void Upsert(IReadOnlyCollection<GraphEntity> entities, IReadOnlyCollection<GraphRelation> relations);
    GraphEntity? Get(string id);
    /// <summary>Entities named exactly so (several types may share a name).</summary>
    IReadOnlyList<GraphEntity> FindByName(string name);
    IReadOnlyList<GraphEntity> Query(EntityQuery query);
    /// <summary>Entities one hop from <paramref name="id"/>.</summary>
    IReadOnlyList<GraphEntity> Neighbors(string id, Hop hop, int limit = 50);
    /// <summary>Every entity type with its count.</summary>
    IReadOnlyDictionary<string, int> Types();
    /// <summary>Attribute names of a type.</summary>
    IReadOnlyList<string> Attributes(string type);
    /// <summary>(id, type, name) of every entity, for entity linking.</summary>
    IReadOnlyList<(string Id, string Type, string Name)> Names();
    int EntityCount();
}
