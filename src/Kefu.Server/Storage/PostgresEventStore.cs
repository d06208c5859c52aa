using System.Runtime.CompilerServices;
using Kefu.Dialogue;
using Npgsql;
using NpgsqlTypes;

namespace Kefu.Server.Storage;

/// <summary>
/// The event log in PostgreSQL, for several server replicas sharing conversations (endpoints.yml `tracker_store: type: sql,
/// dialect: postgresql`). One row per append, as in <see cref="SqliteEventStore"/> and with the same JSON text. Appends
/// go through one writer that commits whatever is queued in one transaction (group commit). An append takes a
/// transaction-scoped advisory lock on its conversation, so appends to one conversation from any number of processes
/// are numbered one after another (never a duplicate key); a fenced append checks the count under that lock.
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

    private const int MaxAppendsPerCommit = 256;

    private readonly NpgsqlDataSource _dataSource;
    private readonly System.Threading.Channels.Channel<PendingAppend> _appends =
        System.Threading.Channels.Channel.CreateUnbounded<PendingAppend>(new() { SingleReader = true });
    private readonly Task _writer;
    private bool _disposed;

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
        _writer = Task.Run(WriteLoopAsync);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        int found;
        if (events.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            // Once queued an append is not cancelled: the caller may give up waiting, the write still lands whole.
            var pending = new PendingAppend(conversationId, expectedCount, events.Count,
                System.Text.Encoding.UTF8.GetString(EventRows.ToUtf8(events)), new(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_appends.Writer.TryWrite(pending))
                throw new ObjectDisposedException(nameof(PostgresEventStore));
            if (await pending.Stored.Task.ConfigureAwait(false))
                return;
            found = await CountAsync(conversationId, ct).ConfigureAwait(false); // the fence held it back: say what the count is
        }
        else if (expectedCount is null || (found = await CountAsync(conversationId, ct).ConfigureAwait(false)) == expectedCount)
            return;
        throw new ConversationChangedException(conversationId, expectedCount!.Value, found);
    }

    /// <summary>
    /// The writer: commits whatever is queued as one transaction (group commit), so one round trip and one WAL flush serve
    /// many conversations, as SQLite's writer does. A statement PostgreSQL refuses rolls the whole batch back; its appends
    /// are then committed one by one, so a bad one cannot sink the rest. A lost connection fails the batch's appends
    /// without retrying them: whether its commit landed is unknown, and a retry could store a turn twice.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        while (await _appends.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxAppendsPerCommit && _appends.Reader.TryRead(out var pending))
                batch.Add(pending);
            try
            {
                await CommitAsync(batch).ConfigureAwait(false);
            }
            catch (PostgresException) when (batch.Count > 1)
            {
                foreach (var pending in batch)
                    try
                    {
                        await CommitAsync([pending]).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        pending.Stored.TrySetException(e);
                    }
            }
            catch (Exception e) // the writer must outlive any failure, or every later append would hang
            {
                foreach (var pending in batch)
                    pending.Stored.TrySetException(e);
            }
            batch.Clear();
        }
    }

    /// <summary>
    /// One batch, run by PostgreSQL as one implicit transaction statement by statement: each conversation's advisory lock,
    /// then its inserts, each numbering its row after every append committed (or inserted earlier in this batch) before
    /// it and checking the fence. Conversations are locked in id order, the same in every replica, so two replicas'
    /// batches never deadlock.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<PendingAppend> appends)
    {
        await using var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        var inserts = new List<PendingAppend?>(); // per statement: the append it inserts, null for a lock
        string? locked = null;
        foreach (var append in appends.Select((a, i) => (a, i)).OrderBy(x => x.a.ConversationId, StringComparer.Ordinal).ThenBy(x => x.i).Select(x => x.a))
        {
            if (append.ConversationId != locked)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    { Parameters = { new() { Value = append.ConversationId } } });
                inserts.Add(null);
                locked = append.ConversationId;
            }
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                WITH next AS (SELECT COALESCE(MAX(first_seq + event_count), 0) AS seq FROM kefu_appends WHERE conversation_id = $1)
                INSERT INTO kefu_appends (conversation_id, first_seq, event_count, events)
                SELECT $1, seq, $2, $3 FROM next WHERE $4 < 0 OR seq = $4
                RETURNING first_seq
                """)
            {
                Parameters =
                {
                    new() { Value = append.ConversationId },
                    new() { Value = append.EventCount },
                    new() { Value = append.Row, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (long)(append.ExpectedCount ?? -1) },
                },
            });
            inserts.Add(append);
        }
        var stored = new bool[inserts.Count];
        await using (var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false))
        {
            var statement = 0;
            do
            {
                stored[statement] = await reader.ReadAsync().ConfigureAwait(false);
                statement++;
            }
            while (await reader.NextResultAsync().ConfigureAwait(false));
        }
        // The reader has read up to the end of the batch: its implicit transaction has committed.
        for (var i = 0; i < inserts.Count; i++)
            inserts[i]?.Stored.TrySetResult(stored[i]);
    }

    private sealed record PendingAppend(string ConversationId, int? ExpectedCount, int EventCount, string Row, TaskCompletionSource<bool> Stored);

    /// <summary>Under the conversation's advisory lock, as appends take it, so no batch of another replica interleaves.</summary>
    public async Task DeleteAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))") { Parameters = { new() { Value = conversationId } } },
                new NpgsqlBatchCommand("DELETE FROM kefu_appends WHERE conversation_id = $1") { Parameters = { new() { Value = conversationId } } },
            },
        };
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
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

    /// <summary>Commits everything already queued, stops the writer and closes the connections.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _appends.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
        _dataSource.Dispose();
    }

    private Task<NpgsqlConnection> OpenAsync(CancellationToken ct) => PostgresDatabase.OpenAsync(_dataSource, Unreachable, ct);

    private Exception Unreachable(string why, Exception e) => new ConversationStoreUnavailableException($"the conversation store ({Description}) {why}", e);

    private void Migrate()
    {
        using var connection = PostgresDatabase.Open(_dataSource, Unreachable);
        PostgresDatabase.Migrate(connection, lockKey: 7460516755, "kefu_schema_version", Migrations, found =>
            new ConversationStoreException($"the conversation store ({Description}) has schema version {found}; this Kefu knows up to {SchemaVersion}"));
    }
}

/// <summary>The store cannot be reached for now (after retries): 503 with Retry-After, without marking the server broken for good.</summary>
public sealed class ConversationStoreUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
