using System.Globalization;
using Kefu.Projects;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Storage;

/// <summary>
/// endpoints.yml's `tracker_store` and `lock_store`, with Rasa's keys, read when the server starts:
/// <code>
/// tracker_store:            # several replicas: PostgreSQL
///   type: sql
///   dialect: postgresql     # or sqlite (db is then the file, relative to the project)
///   url: db.internal        # the host
///   port: 5432
///   db: kefu
///   username: kefu
///   password: ${DB_PASSWORD}
/// lock_store:
///   type: redis             # or in_memory (one server)
///   url: redis.internal
///   port: 6379
///   db: 1
///   password: ${REDIS_PASSWORD}
///   key_prefix: kefu        # Rasa's key
///   lock_lifetime: 10       # seconds; Kefu's key (Rasa reads TICKET_LOCK_LIFETIME from the environment)
/// </code>
/// `${VAR}` reads the environment. A type or key Kefu does not run is an error at file:line:column, never a silent
/// fall-back to another store.
/// </summary>
public sealed record StoreEndpoints(string? PostgresConnectionString, string? SqlitePath, RedisLockOptions? RedisLocks)
{
    public static StoreEndpoints None { get; } = new(null, null, null);

    /// <summary>Reads DIR/endpoints.yml; <see cref="None"/> when it or both sections are absent.</summary>
    public static StoreEndpoints Load(string projectDirectory)
    {
        var path = Path.Combine(projectDirectory, "endpoints.yml");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path, projectDirectory) : None;
    }

    public static StoreEndpoints Parse(string yaml, string file, string projectDirectory)
    {
        string? postgres = null, sqlite = null;
        if (Mapping(yaml, file, "tracker_store") is { } tracker)
        {
            var values = Values(tracker, file, "tracker_store", ["type", "dialect", "url", "port", "db", "username", "password"]);
            var type = values.GetValueOrDefault("type", (null, tracker)).Value;
            if (type != "sql")
                throw EndpointsYaml.Error(file, values.GetValueOrDefault("type", (null, tracker)).Node.Start,
                    $"tracker_store type '{type}' is not run by Kefu: use `type: sql` with `dialect: postgresql` (several replicas) or `dialect: sqlite`, or leave tracker_store out for the SQLite file under .kefu/");
            var (dialect, dialectNode) = values.GetValueOrDefault("dialect", ("sqlite", tracker));
            if (dialect is "postgresql" or "postgres")
            {
                var builder = new NpgsqlConnectionStringBuilder
                {
                    Host = Required(values, "url", tracker, file, "tracker_store (the database host)"),
                    Port = values.TryGetValue("port", out var port) ? Number(port, file, "tracker_store port", 1, 65535) : 5432,
                    Database = values.TryGetValue("db", out var db) ? db.Value : "rasa",
                    Username = Required(values, "username", tracker, file, "tracker_store"),
                    Password = values.TryGetValue("password", out var password) ? password.Value : null,
                    ApplicationName = "kefu",
                };
                postgres = builder.ConnectionString;
            }
            else if (dialect == "sqlite")
                sqlite = values.TryGetValue("db", out var db) ? Path.GetFullPath(db.Value!, projectDirectory) : null;
            else
                throw EndpointsYaml.Error(file, dialectNode.Start, $"tracker_store dialect '{dialect}' is not run by Kefu: postgresql or sqlite");
        }

        RedisLockOptions? redis = null;
        if (Mapping(yaml, file, "lock_store") is { } locks)
        {
            var values = Values(locks, file, "lock_store", ["type", "url", "port", "db", "password", "key_prefix", "lock_lifetime"]);
            var (type, typeNode) = values.GetValueOrDefault("type", (null, locks));
            if (type == "redis")
            {
                redis = new RedisLockOptions(
                    Required(values, "url", locks, file, "lock_store (the Redis host)"),
                    values.TryGetValue("port", out var port) ? Number(port, file, "lock_store port", 1, 65535) : 6379,
                    values.TryGetValue("db", out var db) ? Number(db, file, "lock_store db", 0, 15) : 1,
                    values.TryGetValue("password", out var password) && password.Value is { Length: > 0 } p ? p : null,
                    values.TryGetValue("key_prefix", out var prefix) && prefix.Value is { Length: > 0 } k ? k : "kefu")
                {
                    LockLifetime = values.TryGetValue("lock_lifetime", out var lifetime)
                        ? TimeSpan.FromSeconds(Number(lifetime, file, "lock_store lock_lifetime", 1, 3600)) : TimeSpan.FromSeconds(10),
                };
            }
            else if (type != "in_memory")
                throw EndpointsYaml.Error(file, typeNode.Start,
                    $"lock_store type '{type}' is not run by Kefu: `type: redis` (several replicas) or `type: in_memory` (one server)");
        }
        if (redis is not null && postgres is null)
            throw EndpointsYaml.Error(file, Mapping(yaml, file, "lock_store")!.Start,
                "lock_store type redis is for several replicas, which also need a shared tracker_store (type: sql, dialect: postgresql)");
        return new StoreEndpoints(postgres, sqlite, redis);
    }

    private static YamlMappingNode? Mapping(string yaml, string file, string section) => EndpointsYaml.Section(yaml, file, section) switch
    {
        null => null,
        YamlMappingNode map => map,
        var node => throw EndpointsYaml.Error(file, node.Start, $"{section} must be a mapping with a type, e.g. `{section}: {{type: ...}}`"),
    };

    /// <summary>The section's values, `${VAR}` substituted; an unknown key is an error naming the known ones.</summary>
    private static Dictionary<string, (string? Value, YamlNode Node)> Values(YamlMappingNode map, string file, string section, string[] known)
    {
        var values = new Dictionary<string, (string?, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, _) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(key))
                throw EndpointsYaml.Error(file, keyNode.Start, $"{section}: unknown key '{key}' (known: {string.Join(", ", known)})");
            var scalar = EndpointsYaml.Scalar(map, key, file, section)!;
            values[key] = (EndpointsYaml.Substitute(scalar, file), scalar);
        }
        return values;
    }

    private static string Required(Dictionary<string, (string? Value, YamlNode Node)> values, string key, YamlNode section, string file, string what) =>
        values.TryGetValue(key, out var v) && v.Value is { Length: > 0 } text ? text
        : throw EndpointsYaml.Error(file, section.Start, $"{what} needs `{key}`");

    private static int Number((string? Value, YamlNode Node) value, string file, string what, int min, int max) =>
        int.TryParse(value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
        : throw EndpointsYaml.Error(file, value.Node.Start, $"{what} '{value.Value}' must be a whole number from {min} to {max}");
}
