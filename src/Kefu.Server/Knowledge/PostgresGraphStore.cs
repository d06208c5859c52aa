using System.Text;
using Kefu.Knowledge.Graph;
using Kefu.Server.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Kefu.Server.Knowledge;

/// <summary>
/// The knowledge graph in PostgreSQL, for a server whose conversations are there (endpoints.yml `tracker_store: type: sql,
/// dialect: postgresql`): the same tables, queries and answers as <see cref="SqliteGraphStore"/>, one graph per
/// <see cref="GraphName"/> (the project's), beside the event store's tables and never in them:
/// <code>
/// kefu_graph_entity(graph, id, type, name)                   PK (graph, id), index (graph, type), (graph, name)
/// kefu_graph_attr(graph, entity, name, text, num, items[])   PK (graph, entity, name), index (graph, name, num)
/// kefu_graph_item(graph, entity, attr, value)                one row per list item, index (graph, attr, value)
/// kefu_graph_relation(graph, src, type, dst)                 PK (graph, src, type, dst), index (graph, dst)
/// kefu_graph_schema_version(version)
/// </code>
/// Text columns are COLLATE "C" (byte order, as SQLite's BINARY), so ORDER BY id and name sort as in SQLite; Contains is
/// SQLite's LIKE: case-insensitive for ASCII letters only (lower() under "C"), no escape character.
/// Upsert takes an advisory lock on the graph, so two replicas importing at once store it once. Connecting is retried
/// with back-off, as <see cref="Storage.PostgresEventStore"/> does. Types and attribute names are cached until this
/// store's next Upsert (as SQLite's are): another process's import is seen after a restart.
/// </summary>
public sealed class PostgresGraphStore : IGraphStore, IDisposable
{
    /// <summary>Migrations in order; migration i brings the schema to version i + 1. Only ever append to this list.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE kefu_graph_entity (
            graph text NOT NULL, id text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL,
            PRIMARY KEY (graph, id));
        CREATE INDEX kefu_graph_entity_type ON kefu_graph_entity (graph, type);
        CREATE INDEX kefu_graph_entity_name ON kefu_graph_entity (graph, name);
        CREATE TABLE kefu_graph_attr (
            graph text NOT NULL, entity text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL,
            text text COLLATE "C", num double precision, items text[],
            PRIMARY KEY (graph, entity, name));
        CREATE INDEX kefu_graph_attr_num ON kefu_graph_attr (graph, name, num);
        CREATE TABLE kefu_graph_item (graph text NOT NULL, entity text COLLATE "C" NOT NULL, attr text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL);
        CREATE INDEX kefu_graph_item_value ON kefu_graph_item (graph, attr, value);
        CREATE INDEX kefu_graph_item_entity ON kefu_graph_item (graph, entity);
        CREATE TABLE kefu_graph_relation (
            graph text NOT NULL, src text COLLATE "C" NOT NULL, type text COLLATE "C" NOT NULL, dst text COLLATE "C" NOT NULL,
            PRIMARY KEY (graph, src, type, dst));
        CREATE INDEX kefu_graph_relation_dst ON kefu_graph_relation (graph, dst);
        """,
    ];

    public static int SchemaVersion => Migrations.Length;

    private const long SchemaLock = 7460516756; // the event store's is 7460516755

    private readonly NpgsqlDataSource _dataSource;
    private Dictionary<string, int>? _types;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> _attributes = new(StringComparer.Ordinal);

    /// <summary>Which graph of the database this store reads and writes (the project's assistant_id or folder name).</summary>
    public string GraphName { get; }

    /// <summary>Where it is, without the password: host:port/database, for messages.</summary>
    public string Description { get; }

    /// <summary>Connects (with retries), then creates or migrates the schema; throws <see cref="GraphStoreException"/> when it cannot.</summary>
    public PostgresGraphStore(string connectionString, string graphName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        GraphName = graphName;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL at {builder.Host}:{builder.Port}/{builder.Database}, graph '{graphName}'";
        // A query's SQL has a few shapes (filters, hops, order): prepared once per connection, each then skips parsing and planning.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        _dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            Migrate();
        }
        catch (Exception e)
        {
            _dataSource.Dispose();
            if (e is GraphStoreException) throw;
            throw new GraphStoreException($"cannot use the knowledge graph store ({Description}): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>
    /// One transaction under the graph's advisory lock: entities (the last of one id wins, as SQLite's one by one replace
    /// does) replace their attributes and items; relations are added. Rows go in by binary COPY, the import's 100,000 rows
    /// in well under a second instead of a round trip each.
    /// </summary>
    public void Upsert(IReadOnlyCollection<GraphEntity> entities, IReadOnlyCollection<GraphRelation> relations)
    {
        var latest = new Dictionary<string, GraphEntity>(StringComparer.Ordinal);
        foreach (var e in entities) latest[e.Id] = e;
        using var c = Open();
        using var tx = c.BeginTransaction();
        Execute(c, tx, "SELECT pg_advisory_xact_lock(hashtextextended('kefu_graph:' || $1, 0))", GraphName);
        Execute(c, tx, """
            CREATE TEMP TABLE kefu_graph_new_entity (id text, type text, name text) ON COMMIT DROP;
            CREATE TEMP TABLE kefu_graph_new_relation (src text, type text, dst text) ON COMMIT DROP;
            """);
        var ids = latest.Keys.ToArray();
        Execute(c, tx, "DELETE FROM kefu_graph_attr WHERE graph=$1 AND entity = ANY($2)", GraphName, ids);
        Execute(c, tx, "DELETE FROM kefu_graph_item WHERE graph=$1 AND entity = ANY($2)", GraphName, ids);
        using (var copy = c.BeginBinaryImport("COPY kefu_graph_new_entity (id, type, name) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in latest.Values) Row(copy, e.Id, e.Type, e.Name);
            copy.Complete();
        }
        Execute(c, tx, """
            INSERT INTO kefu_graph_entity (graph, id, type, name) SELECT $1, id, type, name FROM kefu_graph_new_entity
            ON CONFLICT (graph, id) DO UPDATE SET type = excluded.type, name = excluded.name
            """, GraphName);
        using (var copy = c.BeginBinaryImport("COPY kefu_graph_attr (graph, entity, name, text, num, items) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in latest.Values)
                foreach (var (name, v) in e.Attributes)
                {
                    Row(copy, GraphName, e.Id, name, v.Text);
                    if (v.Number is { } n) copy.Write(n, NpgsqlDbType.Double); else copy.WriteNull();
                    if (v.Items is { } items) copy.Write(items.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text); else copy.WriteNull();
                }
            copy.Complete();
        }
        using (var copy = c.BeginBinaryImport("COPY kefu_graph_item (graph, entity, attr, value) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in latest.Values)
                foreach (var (name, v) in e.Attributes)
                    foreach (var item in v.Items ?? []) Row(copy, GraphName, e.Id, name, item);
            copy.Complete();
        }
        using (var copy = c.BeginBinaryImport("COPY kefu_graph_new_relation (src, type, dst) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var r in relations) Row(copy, r.From, r.Type, r.To);
            copy.Complete();
        }
        Execute(c, tx, "INSERT INTO kefu_graph_relation (graph, src, type, dst) SELECT $1, src, type, dst FROM kefu_graph_new_relation ON CONFLICT DO NOTHING", GraphName);
        tx.Commit();
        _types = null;
        _attributes.Clear();
    }

    /// <summary>Starts a COPY row with these text columns (null: NULL); the caller writes any further columns.</summary>
    private static void Row(NpgsqlBinaryImporter copy, params string?[] texts)
    {
        copy.StartRow();
        foreach (var t in texts)
            if (t is null) copy.WriteNull(); else copy.Write(t, NpgsqlDbType.Text);
    }

    public GraphEntity? Get(string id) => Entities("SELECT $2::text", id).FirstOrDefault();

    public IReadOnlyList<GraphEntity> FindByName(string name) =>
        Entities("SELECT id FROM kefu_graph_entity WHERE graph=$1 AND name=$2 ORDER BY id", name);

    public IReadOnlyDictionary<string, int> Types()
    {
        if (_types is { } known) return known;
        using var c = Open();
        using var cmd = new NpgsqlCommand("SELECT type, COUNT(*)::int FROM kefu_graph_entity WHERE graph=$1 GROUP BY type ORDER BY type", c);
        cmd.Parameters.AddWithValue(GraphName);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[r.GetString(0)] = r.GetInt32(1);
        return _types = result;
    }

    public IReadOnlyList<string> Attributes(string type)
    {
        GraphQueryChecks.CheckType(this, type);
        return _attributes.GetOrAdd(type, t =>
        {
            using var c = Open();
            return Ids(c, """
                SELECT DISTINCT a.name FROM kefu_graph_attr a JOIN kefu_graph_entity e ON e.graph = a.graph AND e.id = a.entity
                WHERE a.graph=$1 AND e.type=$2 ORDER BY a.name
                """, t);
        });
    }

    public int EntityCount() => Types().Values.Sum();

    public IReadOnlyList<(string Id, string Type, string Name)> Names()
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand("SELECT id, type, name FROM kefu_graph_entity WHERE graph=$1 ORDER BY id", c);
        cmd.Parameters.AddWithValue(GraphName);
        var result = new List<(string, string, string)>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        return result;
    }

    public IReadOnlyList<GraphEntity> Neighbors(string id, Hop hop, int limit = 50) =>
        Query(new EntityQuery(hop.TargetType ?? "") { From = id, Hops = [hop], Limit = limit });

    /// <summary>SqliteGraphStore.Query's SQL, statement for statement, with every table scoped to the graph ($1).</summary>
    public IReadOnlyList<GraphEntity> Query(EntityQuery query)
    {
        GraphQueryChecks.Check(this, query);

        const string g = "$1";
        const string Attr = "SELECT 1 FROM kefu_graph_attr a WHERE a.graph=$1 AND a.entity=e.id";
        const string Item = "SELECT 1 FROM kefu_graph_item i WHERE i.graph=$1 AND i.entity=e.id";
        var sql = new StringBuilder($"SELECT e.id FROM kefu_graph_entity e WHERE e.graph={g}");
        var args = new List<object?>();
        string P(object? v) { args.Add(v); return "$" + (args.Count + 1); }
        if (query.Type.Length > 0) sql.Append($" AND e.type={P(query.Type)}");
        foreach (var f in query.Filters)
        {
            string name = P(f.Attribute);
            switch (f.Op)
            {
                case FilterOp.AtLeast: sql.Append($" AND EXISTS ({Attr} AND a.name={name} AND a.num >= {P(f.Number)})"); break;
                case FilterOp.AtMost: sql.Append($" AND EXISTS ({Attr} AND a.name={name} AND a.num <= {P(f.Number)})"); break;
                case FilterOp.Between: sql.Append($" AND EXISTS ({Attr} AND a.name={name} AND a.num BETWEEN {P(f.Number)} AND {P(f.Upper)})"); break;
                case FilterOp.Equals:
                    if (f.Number is { } n) sql.Append($" AND EXISTS ({Attr} AND a.name={name} AND a.num = {P(n)})");
                    else
                    {
                        string v = P(f.Text);
                        sql.Append($" AND (EXISTS ({Attr} AND a.name={name} AND a.text = {v}) OR EXISTS ({Item} AND i.attr={name} AND i.value = {v}))");
                    }
                    break;
                case FilterOp.Contains:
                    foreach (var word in (f.Text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        string v = $"lower({P("%" + word + "%")}::text COLLATE \"C\")";
                        sql.Append($" AND (EXISTS ({Attr} AND a.name={name} AND lower(a.text) LIKE {v} ESCAPE '') OR EXISTS ({Item} AND i.attr={name} AND lower(i.value) LIKE {v} ESCAPE ''))");
                    }
                    break;
            }
        }
        if (query.From is { } from)
        {
            var h1 = query.Hops[0];
            string rel1 = h1.Relation is { } r1 ? $" AND r1.type={P(r1)}" : "";
            if (query.Hops.Count == 1)
                sql.Append($" AND e.id IN (SELECT r1.dst FROM kefu_graph_relation r1 WHERE r1.graph={g} AND r1.src={P(from)}{rel1})");
            else
            {
                var h2 = query.Hops[1];
                string mid = h1.TargetType is { } t1 ? $" AND r1.dst IN (SELECT id FROM kefu_graph_entity WHERE graph={g} AND type={P(t1)})" : "";
                string rel2 = h2.Relation is { } r2 ? $" AND r2.type={P(r2)}" : "";
                sql.Append($" AND e.id IN (SELECT r2.dst FROM kefu_graph_relation r1 JOIN kefu_graph_relation r2 ON r2.graph = r1.graph AND r2.src = r1.dst WHERE r1.graph={g} AND r1.src={P(from)}{rel1}{mid}{rel2})");
            }
        }
        if (query.OrderBy is { } order)
        {
            string o = $"(SELECT a.num FROM kefu_graph_attr a WHERE a.graph={g} AND a.entity=e.id AND a.name={P(order)})";
            sql.Append($" ORDER BY {o} IS NULL, {o} {(query.Descending ? "DESC" : "ASC")}, e.id");
        }
        else sql.Append(" ORDER BY e.id");
        sql.Append($" LIMIT {P(Math.Max(0, query.Limit))}");
        return Entities(sql.ToString(), [.. args]);
    }


    /// <summary>The first column of every row; $1 is the graph's name, $2... the arguments.</summary>
    private List<string> Ids(NpgsqlConnection c, string sql, params object?[] args)
    {
        using var cmd = Bound(c, sql, args);
        var ids = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    private NpgsqlCommand Bound(NpgsqlConnection c, string sql, object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, c);
        cmd.Parameters.AddWithValue(GraphName);
        foreach (var a in args)
            cmd.Parameters.Add(a switch
            {
                null => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = DBNull.Value }, // a filter's missing bound
                string s => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = s },
                double d => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = d },
                int n => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (long)n },
                _ => new NpgsqlParameter { Value = a },
            });
        return cmd;
    }

    /// <summary>
    /// The entities whose ids <paramref name="idsSql"/> selects, in its order (absent ones left out), with their attributes
    /// by name (as SQLite's primary key returns them), in one round trip: ARRAY(subquery) keeps the subquery's order.
    /// </summary>
    private List<GraphEntity> Entities(string idsSql, params object?[] args)
    {
        using var c = Open();
        using var cmd = Bound(c, $"""
            SELECT h.rank, e.id, e.type, e.name, a.name, a.text, a.num, a.items
            FROM unnest(ARRAY({idsSql})) WITH ORDINALITY AS h(id, rank)
            JOIN kefu_graph_entity e ON e.graph=$1 AND e.id = h.id
            LEFT JOIN kefu_graph_attr a ON a.graph=$1 AND a.entity = e.id
            ORDER BY h.rank, a.name
            """, args);
        var result = new List<GraphEntity>();
        long rank = -1;
        Dictionary<string, AttributeValue>? attributes = null;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            if (r.GetInt64(0) != rank)
            {
                rank = r.GetInt64(0);
                attributes = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                result.Add(new GraphEntity(r.GetString(1), r.GetString(2), r.GetString(3), attributes));
            }
            if (r.IsDBNull(4)) continue;
            attributes![r.GetString(4)] = new AttributeValue(
                r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetDouble(6),
                r.IsDBNull(7) ? null : r.GetFieldValue<string[]>(7));
        }
        return result;
    }

    public void Dispose() => _dataSource.Dispose();

    private NpgsqlConnection Open() => PostgresDatabase.Open(_dataSource, (why, e) => new GraphStoreException($"the knowledge graph store ({Description}) {why}", e));

    private void Migrate()
    {
        using var connection = Open();
        PostgresDatabase.Migrate(connection, SchemaLock, "kefu_graph_schema_version", Migrations, found =>
            new GraphStoreException($"the knowledge graph store ({Description}) has schema version {found}; this Kefu knows up to {SchemaVersion}"));
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] args)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var a in args) command.Parameters.AddWithValue(a);
        command.ExecuteNonQuery();
    }
}

/// <summary>The PostgreSQL graph store cannot be used: unreachable after retries, or a schema newer than this Kefu.</summary>
public sealed class GraphStoreException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
