using Npgsql;
using StackExchange.Redis;

namespace Kefu.Server.Tests;

/// <summary>
/// PostgreSQL and Redis for the store tests, as scripts/ci-deps.sh starts them (ports 5433 and 6380, user kefu):
/// KEFU_TEST_POSTGRES (an Npgsql connection string) and KEFU_TEST_REDIS (host:port) say where else they are.
/// A test that needs one and cannot reach it skips, saying why.
/// </summary>
internal static class TestServices
{
    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("KEFU_TEST_POSTGRES") is { Length: > 0 } s ? s
        : "Host=127.0.0.1;Port=5433;Username=kefu;Password=kefu;Database=kefu_test;Timeout=3;Maximum Pool Size=20";

    public static string RedisEndpoint => Environment.GetEnvironmentVariable("KEFU_TEST_REDIS") is { Length: > 0 } s ? s : "127.0.0.1:6380";

    private static readonly Lazy<string?> PostgresProblem = new(() =>
    {
        try
        {
            using var connection = new NpgsqlConnection(PostgresConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e)
        {
            return $"PostgreSQL test skipped: cannot connect with KEFU_TEST_POSTGRES or the default ({Redacted(PostgresConnectionString)}): "
                + $"{e.Message.ReplaceLineEndings(" ")}; run scripts/ci-deps.sh as root to install and start it";
        }
    });

    private static readonly Lazy<string?> RedisProblem = new(() =>
    {
        try
        {
            // 10 s: the probe runs once per test assembly, while the whole suite starts; a 2 s timeout once turned a running
            // Redis into a skipped replica test in CI.
            using var redis = ConnectionMultiplexer.Connect(RedisEndpoint + ",connectTimeout=10000,abortConnect=true");
            redis.GetDatabase().Ping();
            return null;
        }
        catch (Exception e)
        {
            return $"Redis test skipped: cannot connect to KEFU_TEST_REDIS or the default ({RedisEndpoint}): "
                + $"{e.Message.ReplaceLineEndings(" ")}; run scripts/ci-deps.sh as root to install and start it";
        }
    });

    public static void RequirePostgres() => Skip.If(PostgresProblem.Value is not null, PostgresProblem.Value);

    public static void RequireRedis() => Skip.If(RedisProblem.Value is not null, RedisProblem.Value);

    /// <summary>A schema of its own for one test, so tests run side by side and leave nothing behind (dispose drops it).</summary>
    public sealed class PostgresSchema : IDisposable
    {
        public PostgresSchema()
        {
            RequirePostgres();
            Name = "kefu_test_" + Guid.NewGuid().ToString("N")[..12];
            Execute($"CREATE SCHEMA {Name}");
            ConnectionString = new NpgsqlConnectionStringBuilder(PostgresConnectionString) { SearchPath = Name }.ToString();
        }

        public string Name { get; }

        public string ConnectionString { get; }

        public void Execute(string sql)
        {
            using var connection = new NpgsqlConnection(PostgresConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }

        public void Dispose() => Execute($"DROP SCHEMA IF EXISTS {Name} CASCADE");
    }

    private static string Redacted(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ToString();
}
