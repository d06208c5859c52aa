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
        var row = System.Text.Encoding.UTF8.GetString(EventRows.ToUtf8(events));
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        // One round trip: a batch runs as one implicit transaction, statement by statement, so the insert numbers its row
        // (and checks the fence) only once it holds the conversation's advisory lock, seeing every append committed before.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))") { Parameters = { new() { Value = conversationId } } },
                new NpgsqlBatchCommand("""
                    WITH next AS (SELECT COALESCE(MAX(first_seq + event_count), 0) AS seq FROM kefu_appends WHERE conversation_id = $1)
                    INSERT INTO kefu_appends (conversation_id, first_seq, event_count, events)
                    SELECT $1, seq, $2, $3 FROM next WHERE ($4 < 0 OR seq = $4) AND $2 > 0
                    RETURNING first_seq
                    """)
                {
                    Parameters =
                    {
                        new() { Value = conversationId },
                        new() { Value = events.Count },
                        new() { Value = row, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = (long)(expectedCount ?? -1) },
                    },
                },
            },
        };
        await using (var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            if (await reader.ReadAsync(ct).ConfigureAwait(false) || expectedCount is null)
                return;
        }
        var expected = expectedCount.Value;
        // Nothing inserted: the fence did not hold (or a fenced append of no events); say what the count is.
        var found = await CountAsync(conversationId, ct).ConfigureAwait(false);
        if (found != expected)
            throw new ConversationChangedException(conversationId, expected, found);
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

    /// <summary>The same, synchronously, for the start-up migration: blocking there must not hold a thread-pool thread in a wait.</summary>
    private NpgsqlConnection Open()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return _dataSource.OpenConnection();
            }
            catch (Exception e) when (Unreachable(e))
            {
                if (attempt == ConnectBackoff.Length)
                    throw new ConversationStoreUnavailableException(
                        $"the conversation store ({Description}) cannot be reached after {attempt + 1} tries: {e.Message.ReplaceLineEndings(" ")}", e);
                NpgsqlConnection.ClearAllPools();
                Thread.Sleep(ConnectBackoff[attempt]);
            }
        }
    }

    private static bool Unreachable(Exception e) => e is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
        || e is PostgresException { SqlState: "57P03" or "53300" }; // the database is starting up; too many connections

    /// <summary>Brings the schema to <see cref="SchemaVersion"/>, all in one transaction (a migration cut short leaves the schema as it was), under an advisory lock so that replicas starting together migrate once.</summary>
    private void Migrate()
    {
        using var connection = Open();
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
