using System.Net.Sockets;
using Npgsql;

namespace Kefu.Server.Storage;

/// <summary>
/// What Kefu's PostgreSQL stores (conversations, the knowledge graph) share: a pooled connection opened with back-off
/// while the server cannot be reached (restarting, a fail-over), and a schema brought up to date in one transaction
/// under an advisory lock, so that replicas starting together migrate once.
/// </summary>
internal static class PostgresDatabase
{
    private static readonly TimeSpan[] ConnectBackoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300),
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary>
    /// A pooled connection of <paramref name="source"/>; after the last try <paramref name="unreachable"/> makes the
    /// exception to throw from the message "cannot be reached after N tries: ...".
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource source, Func<string, Exception, Exception> unreachable, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await source.OpenConnectionAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Unreachable(e))
            {
                if (attempt == ConnectBackoff.Length) throw unreachable(Failed(attempt, e), e);
                // The pool may hold connections to a server that has restarted; they would fail the next try too.
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(ConnectBackoff[attempt], ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The same, synchronously, for start-up: blocking there must not hold a thread-pool thread in a wait.</summary>
    public static NpgsqlConnection Open(NpgsqlDataSource source, Func<string, Exception, Exception> unreachable)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return source.OpenConnection();
            }
            catch (Exception e) when (Unreachable(e))
            {
                if (attempt == ConnectBackoff.Length) throw unreachable(Failed(attempt, e), e);
                NpgsqlConnection.ClearAllPools();
                Thread.Sleep(ConnectBackoff[attempt]);
            }
        }
    }

    private static string Failed(int attempt, Exception e) => $"cannot be reached after {attempt + 1} tries: {e.Message.ReplaceLineEndings(" ")}";

    private static bool Unreachable(Exception e) => e is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
        || e is PostgresException { SqlState: "57P03" or "53300" }; // the database is starting up; too many connections

    /// <summary>
    /// Brings the schema recorded in <paramref name="versionTable"/> to migrations.Length (migration i makes version i + 1),
    /// all in one transaction (a migration cut short leaves the schema as it was), under the advisory lock
    /// <paramref name="lockKey"/>. A newer schema than this Kefu knows: <paramref name="tooNew"/>(its version) is thrown.
    /// </summary>
    public static void Migrate(NpgsqlConnection connection, long lockKey, string versionTable, IReadOnlyList<string> migrations, Func<int, Exception> tooNew)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({lockKey})");
        Execute(connection, transaction, $"CREATE TABLE IF NOT EXISTS {versionTable} (version int NOT NULL)");
        using var read = new NpgsqlCommand($"SELECT MAX(version) FROM {versionTable}", connection, transaction);
        var found = read.ExecuteScalar() is int v ? v : 0;
        if (found > migrations.Count) throw tooNew(found);
        for (var version = found; version < migrations.Count; version++)
            Execute(connection, transaction, migrations[version]);
        if (found < migrations.Count)
        {
            Execute(connection, transaction, $"DELETE FROM {versionTable}");
            Execute(connection, transaction, $"INSERT INTO {versionTable} VALUES ({migrations.Count})");
        }
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
