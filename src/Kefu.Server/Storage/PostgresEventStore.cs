using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Kefu.Dialogue;
using Npgsql;
using NpgsqlTypes;

namespace Kefu.Server.Storage;

/// <summary>
/// The event log in PostgreSQL, for several server replicas sharing conversations (endpoints.yml `tracker_store: type: sql,
/// dialect: postgresql`). One row per append, as in <see cref="SqliteEventStore"/> and with the same JSON text. An append
/// takes a transaction-scoped advisory lock on its conversation, so appends to one conversation from any number of
/// processes are numbered one after another (never a duplicate key); a fenced append checks the count under that lock.
/// Connecting is retried with back-off (the database restarting, a fail-over); a statement that reached the server is
/// not, so an append is never stored twice. Still unreachable: <see cref="ConversationStoreUnavailableException"/> (503).
/// </summary>
public sealed class PostgresEventStore : IEventStore, IDisposable
{
    /// <summary>Migrations in order; migration i brings the schema to version i + 1. Only ever append to this list.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE kefu_appends (
            conversation_id text   NOT NULL,
            first_seq       bigint NOT NULL,  -- the conversation's event number of the first event
            event_count     int    NOT NULL,
            events          text   NOT NULL,  -- [{"type", "timestamp", "event"}, ...]
            PRIMARY KEY (conversation_id, first_seq)
        );
        """,
    ];

    public static int SchemaVersion => Migrations.Length;

    private static readonly TimeSpan[] ConnectBackoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300),
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Where it is, without the password: host:port/database, for messages.</summary>
    public string Description { get; }

    /// <summary>Connects (with retries), then creates or migrates the schema; throws ConversationStoreException when it cannot.</summary>
    public PostgresEventStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL at {builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            Migrate();
        }
        catch (Exception e)
        {
            _dataSource.Dispose();
            if (e is ConversationStoreException) throw;
            throw new ConversationStoreException($"cannot use the conversation store ({Description}): {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
    {
        var events = new List<StoredEvent>();
        await foreach (var e in ReadAsync(conversationId, 0, ct).ConfigureAwait(false))
            events.Add(e);
        return events;
    }

    public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default) =>
        AppendAsync(conversationId, null, events, ct);

    public Task AppendExpectingAsync(string conversationId, int expectedCount, IReadOnlyList<StoredEvent> events, CancellationToken ct = default) =>
        AppendAsync(conversationId, expectedCount, events, ct);

    private async Task AppendAsync(string conversationId, int? expectedCount, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0 && expectedCount is null)
            return;
        var row = EventRows.ToUtf8(events);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var serialize = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            serialize.Parameters.AddWithValue(conversationId);
            await serialize.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        long next;
        await using (var count = new NpgsqlCommand(
            "SELECT COALESCE(MAX(first_seq + event_count), 0) FROM kefu_appends WHERE conversation_id = $1", connection, transaction))
        {
            count.Parameters.AddWithValue(conversationId);
            next = (long)(await count.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        if (expectedCount is { } expected && expected != next)
            throw new ConversationChangedException(conversationId, expected, (int)next);
        if (events.Count > 0)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO kefu_appends (conversation_id, first_seq, event_count, events) VALUES ($1, $2, $3, $4)", connection, transaction);
            insert.Parameters.AddWithValue(conversationId);
            insert.Parameters.AddWithValue(next);
            insert.Parameters.AddWithValue(events.Count);
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = System.Text.Encoding.UTF8.GetString(row) });
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT DISTINCT conversation_id COLLATE \"C\" AS id FROM kefu_appends ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            ids.Add(reader.GetString(0));
        return ids;
    }

    public async IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        // The row holding event `from` is the last one starting at or before it.
        await using var command = new NpgsqlCommand("""
            SELECT first_seq, events FROM kefu_appends
            WHERE conversation_id = $1 AND first_seq >= COALESCE((SELECT MAX(first_seq) FROM kefu_appends
                WHERE conversation_id = $1 AND first_seq <= $2), 0)
            ORDER BY first_seq
            """, connection);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue((long)Math.Max(0, from));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var seq = reader.GetInt64(0);
            foreach (var e in EventRows.Read(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1))))
                if (seq++ >= from)
                    yield return e;
        }
    }

    public async IAsyncEnumerable<StoredEvent> ReadBackwardAsync(string conversationId, int before, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT first_seq, events FROM kefu_appends WHERE conversation_id = $1 AND first_seq < $2 ORDER BY first_seq DESC", connection);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue((long)before);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var first = reader.GetInt64(0);
            var events = EventRows.Read(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1)));
            for (var i = events.Length - 1; i >= 0; i--)
                if (first + i < before)
                    yield return events[i];
        }
    }

    public async Task<int> CountAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT first_seq + event_count FROM kefu_appends WHERE conversation_id = $1 ORDER BY first_seq DESC LIMIT 1", connection);
        command.Parameters.AddWithValue(conversationId);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long count ? (int)count : 0;
    }

    public void Dispose() => _dataSource.Dispose();

    /// <summary>A pooled connection; opening is retried with back-off while the server cannot be reached.</summary>
    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Unreachable(e))
            {
                if (attempt == ConnectBackoff.Length)
                    throw new ConversationStoreUnavailableException(
                        $"the conversation store ({Description}) cannot be reached after {attempt + 1} tries: {e.Message.ReplaceLineEndings(" ")}", e);
                // The pool may hold connections to a server that has restarted; they would fail the next try too.
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(ConnectBackoff[attempt], ct).ConfigureAwait(false);
            }
        }
    }

    private static bool Unreachable(Exception e) => e is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
        || e is PostgresException { SqlState: "57P03" or "53300" }; // the database is starting up; too many connections

    /// <summary>Brings the schema to <see cref="SchemaVersion"/>, all in one transaction (a migration cut short leaves the schema as it was), under an advisory lock so that replicas starting together migrate once.</summary>
    private void Migrate()
    {
        using var connection = OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(7460516755)"); // "kefu" schema lock
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS kefu_schema_version (version int NOT NULL)");
        using var read = new NpgsqlCommand("SELECT MAX(version) FROM kefu_schema_version", connection, transaction);
        var found = read.ExecuteScalar() is int v ? v : 0;
        if (found > SchemaVersion)
            throw new ConversationStoreException(
                $"the conversation store ({Description}) has schema version {found}; this Kefu knows up to {SchemaVersion}");
        for (var version = found; version < SchemaVersion; version++)
            Execute(connection, transaction, Migrations[version]);
        if (found < SchemaVersion)
        {
            Execute(connection, transaction, "DELETE FROM kefu_schema_version");
            Execute(connection, transaction, $"INSERT INTO kefu_schema_version VALUES ({SchemaVersion})");
        }
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}

/// <summary>The store cannot be reached for now (after retries): 503 with Retry-After, without marking the server broken for good.</summary>
public sealed class ConversationStoreUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
