using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kefu.Knowledge.Graph;

/// <summary>
/// The knowledge graph in one SQLite file (WAL). Tables:
/// <code>
/// entity(id PK, type, name)                         index (type), (name)
/// attr(entity, name, text, num, items JSON)  PK (entity, name), index (name, num)
/// item(entity, attr, value)                         one row per list item, index (attr, value)
/// relation(src, type, dst)                   PK (src, type, dst), index (dst)
/// </code>
/// Queries are built as SQL with parameters from the typed <see cref="EntityQuery"/>; attribute names and types are
/// checked against the data first, so an unknown one is a <see cref="GraphQueryException"/>, never an empty answer.
/// </summary>
public sealed class SqliteGraphStore : IGraphStore, IDisposable
{
    readonly string connectionString;
    readonly SqliteConnection keepAlive;   // an in-memory database lives as long as one connection to it
    Dictionary<string, int>? types;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> attributes = new(StringComparer.Ordinal);

    public SqliteGraphStore(string path)
    {
        if (path != ":memory:") Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        connectionString = path == ":memory:"
            ? $"Data Source=graph-{Guid.NewGuid():N};Mode=Memory;Cache=Shared"
            : new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        keepAlive = new SqliteConnection(connectionString);
        keepAlive.Open();
        Execute(keepAlive, path == ":memory:" ? "" : "PRAGMA journal_mode=WAL;");
        Execute(keepAlive, """
            CREATE TABLE IF NOT EXISTS entity(id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS entity_type ON entity(type);
            CREATE INDEX IF NOT EXISTS entity_name ON entity(name);
            CREATE TABLE IF NOT EXISTS attr(entity TEXT NOT NULL, name TEXT NOT NULL, text TEXT, num REAL, items TEXT, PRIMARY KEY(entity, name));
            CREATE INDEX IF NOT EXISTS attr_num ON attr(name, num);
            CREATE TABLE IF NOT EXISTS item(entity TEXT NOT NULL, attr TEXT NOT NULL, value TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS item_value ON item(attr, value);
            CREATE INDEX IF NOT EXISTS item_entity ON item(entity);
            CREATE TABLE IF NOT EXISTS relation(src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, PRIMARY KEY(src, type, dst));
            CREATE INDEX IF NOT EXISTS relation_dst ON relation(dst);
            """);
    }

    static void Execute(SqliteConnection c, string sql)
    {
        if (sql.Length == 0) return;
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    SqliteConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        c.Open();
        return c;
    }

    public void Upsert(IReadOnlyCollection<GraphEntity> entities, IReadOnlyCollection<GraphRelation> relations)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var delAttr = Command(c, "DELETE FROM attr WHERE entity=$id; DELETE FROM item WHERE entity=$id", "$id");
        using var putEntity = Command(c, "INSERT OR REPLACE INTO entity(id, type, name) VALUES ($id, $type, $name)", "$id", "$type", "$name");
        using var putAttr = Command(c, "INSERT INTO attr(entity, name, text, num, items) VALUES ($e, $n, $t, $v, $i)", "$e", "$n", "$t", "$v", "$i");
        using var putItem = Command(c, "INSERT INTO item(entity, attr, value) VALUES ($e, $a, $v)", "$e", "$a", "$v");
        using var putRelation = Command(c, "INSERT OR IGNORE INTO relation(src, type, dst) VALUES ($s, $t, $d)", "$s", "$t", "$d");
        foreach (var e in entities)
        {
            Run(delAttr, e.Id);
            Run(putEntity, e.Id, e.Type, e.Name);
            foreach (var (name, v) in e.Attributes)
            {
                Run(putAttr, e.Id, name, v.Text, v.Number, v.Items is { } items ? JsonSerializer.Serialize(items) : null);
                foreach (var item in v.Items ?? []) Run(putItem, e.Id, name, item);
            }
        }
        foreach (var r in relations) Run(putRelation, r.From, r.Type, r.To);
        tx.Commit();
        types = null;
        attributes.Clear();
    }

    static SqliteCommand Command(SqliteConnection c, string sql, params string[] names)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var n in names) cmd.Parameters.Add(new SqliteParameter(n, null));
        return cmd;
    }

    static void Run(SqliteCommand cmd, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        cmd.ExecuteNonQuery();
    }

    public GraphEntity? Get(string id)
    {
        using var c = Open();
        return Load(c, [id]).FirstOrDefault();
    }

    public IReadOnlyList<GraphEntity> FindByName(string name)
    {
        using var c = Open();
        return Load(c, Ids(c, "SELECT id FROM entity WHERE name=$p0 ORDER BY id", name));
    }

    public IReadOnlyDictionary<string, int> Types()
    {
        if (types is { } known) return known;
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT type, COUNT(*) FROM entity GROUP BY type ORDER BY type";
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[r.GetString(0)] = r.GetInt32(1);
        return types = result;
    }

    public IReadOnlyList<string> Attributes(string type)
    {
        GraphQueryChecks.CheckType(this, type);
        return attributes.GetOrAdd(type, t =>
        {
            using var c = Open();
            return Ids(c, "SELECT DISTINCT a.name FROM attr a JOIN entity e ON e.id = a.entity WHERE e.type=$p0 ORDER BY a.name", t);
        });
    }

    public int EntityCount() => Types().Values.Sum();

    public IReadOnlyList<(string Id, string Type, string Name)> Names()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, type, name FROM entity ORDER BY id";
        var result = new List<(string, string, string)>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        return result;
    }

    public IReadOnlyList<GraphEntity> Neighbors(string id, Hop hop, int limit = 50) =>
        Query(new EntityQuery(hop.TargetType ?? "") { From = id, Hops = [hop], Limit = limit });

    public IReadOnlyList<GraphEntity> Query(EntityQuery query)
    {
        GraphQueryChecks.Check(this, query);

        var sql = new StringBuilder("SELECT e.id FROM entity e WHERE 1=1");
        var args = new List<object?>();
        string P(object? v) { args.Add(v); return "$p" + (args.Count - 1); }
        if (query.Type.Length > 0) sql.Append($" AND e.type={P(query.Type)}");
        foreach (var f in query.Filters)
        {
            string name = P(f.Attribute);
            switch (f.Op)
            {
                case FilterOp.AtLeast: sql.Append($" AND EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.num >= {P(f.Number)})"); break;
                case FilterOp.AtMost: sql.Append($" AND EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.num <= {P(f.Number)})"); break;
                case FilterOp.Between: sql.Append($" AND EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.num BETWEEN {P(f.Number)} AND {P(f.Upper)})"); break;
                case FilterOp.Equals:
                    if (f.Number is { } n) sql.Append($" AND EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.num = {P(n)})");
                    else
                    {
                        string v = P(f.Text);
                        sql.Append($" AND (EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.text = {v}) OR EXISTS (SELECT 1 FROM item i WHERE i.entity=e.id AND i.attr={name} AND i.value = {v}))");
                    }
                    break;
                case FilterOp.Contains:
                    foreach (var word in (f.Text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        string v = P("%" + word + "%");
                        sql.Append($" AND (EXISTS (SELECT 1 FROM attr a WHERE a.entity=e.id AND a.name={name} AND a.text LIKE {v}) OR EXISTS (SELECT 1 FROM item i WHERE i.entity=e.id AND i.attr={name} AND i.value LIKE {v}))");
                    }
                    break;
            }
        }
        if (query.From is { } from)
        {
            var h1 = query.Hops[0];
            string rel1 = h1.Relation is { } r1 ? $" AND r1.type={P(r1)}" : "";
            if (query.Hops.Count == 1) sql.Append($" AND e.id IN (SELECT r1.dst FROM relation r1 WHERE r1.src={P(from)}{rel1})");
            else
            {
                var h2 = query.Hops[1];
                string mid = h1.TargetType is { } t1 ? $" AND r1.dst IN (SELECT id FROM entity WHERE type={P(t1)})" : "";
                string rel2 = h2.Relation is { } r2 ? $" AND r2.type={P(r2)}" : "";
                sql.Append($" AND e.id IN (SELECT r2.dst FROM relation r1 JOIN relation r2 ON r2.src = r1.dst WHERE r1.src={P(from)}{rel1}{mid}{rel2})");
            }
        }
        if (query.OrderBy is { } order)
        {
            string o = $"(SELECT a.num FROM attr a WHERE a.entity=e.id AND a.name={P(order)})";
            sql.Append($" ORDER BY {o} IS NULL, {o} {(query.Descending ? "DESC" : "ASC")}, e.id");
        }
        else sql.Append(" ORDER BY e.id");
        sql.Append($" LIMIT {P(Math.Max(0, query.Limit))}");
        using var c = Open();
        return Load(c, Ids(c, sql.ToString(), [.. args]));
    }


    static List<string> Ids(SqliteConnection c, string sql, params object?[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        for (int i = 0; i < args.Length; i++) cmd.Parameters.AddWithValue("$p" + i, args[i] ?? DBNull.Value);
        var ids = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    static List<GraphEntity> Load(SqliteConnection c, IReadOnlyList<string> ids)
    {
        var result = new List<GraphEntity>(ids.Count);
        using var head = c.CreateCommand();
        head.CommandText = "SELECT type, name FROM entity WHERE id=$id";
        var headId = head.Parameters.Add(new SqliteParameter("$id", ""));
        using var attrs = c.CreateCommand();
        attrs.CommandText = "SELECT name, text, num, items FROM attr WHERE entity=$id";
        var attrId = attrs.Parameters.Add(new SqliteParameter("$id", ""));
        foreach (var id in ids)
        {
            headId.Value = id;
            string type, name;
            using (var r = head.ExecuteReader())
            {
                if (!r.Read()) continue;
                (type, name) = (r.GetString(0), r.GetString(1));
            }
            attrId.Value = id;
            var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            using (var r = attrs.ExecuteReader())
                while (r.Read())
                    values[r.GetString(0)] = new AttributeValue(
                        r.IsDBNull(1) ? null : r.GetString(1),
                        r.IsDBNull(2) ? null : r.GetDouble(2),
                        r.IsDBNull(3) ? null : JsonSerializer.Deserialize<string[]>(r.GetString(3)));
            result.Add(new GraphEntity(id, type, name, values));
        }
        return result;
    }

    public void Dispose() => keepAlive.Dispose();
}
