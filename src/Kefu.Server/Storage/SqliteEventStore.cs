using System.Collections.Concurrent;
using System.Globalization;
using Kefu.Dialogue;
using Microsoft.Data.Sqlite;

namespace Kefu.Server.Storage;

/// <summary>
/// The default event log: one SQLite file in WAL mode with synchronous=FULL, so an append whose task has
/// completed survives a killed process and a power cut. Appends go through a single writer thread that
/// commits whatever is queued in one transaction (group commit): one fsync serves many conversations,
/// and each append sits in its own savepoint so a failing one does not take the others down.
/// Reads use pooled connections and run beside the writer (WAL readers never block on it).
/// </summary>
public sealed class SqliteEventStore : IEventStore, IDisposable
{
    private const int MaxAppendsPerCommit = 512;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events (
            conversation_id TEXT    NOT NULL,
            seq             INTEGER NOT NULL,
            type            TEXT    NOT NULL,
            json            TEXT    NOT NULL,
            timestamp       TEXT    NOT NULL,
            PRIMARY KEY (conversation_id, seq)
        ) WITHOUT ROWID;
        """;

    private readonly string _connectionString;
    private readonly BlockingCollection<PendingAppend> _queue = new();
    private readonly Thread _writer;
    private bool _disposed;

    public string DatabasePath { get; }

    public SqliteEventStore(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();

        SqliteConnection connection;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            connection = new SqliteConnection(_connectionString);
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
            Execute(connection, Schema);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot open the conversation database '{DatabasePath}': {e.Message}", e);
        }

        _writer = new Thread(() => WriteLoop(connection)) { Name = "kefu-sqlite-writer", IsBackground = true };
        _writer.Start();
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, json, timestamp FROM events WHERE conversation_id = $id ORDER BY seq";
        command.Parameters.AddWithValue("$id", conversationId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(ct))
            events.Add(new StoredEvent(reader.GetString(0), reader.GetString(1), ParseTimestamp(reader.GetString(2))));
        return events;
    }

    public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(events);
        ct.ThrowIfCancellationRequested();
        if (events.Count == 0)
            return Task.CompletedTask;
        // Once queued an append is not cancelled: the caller may give up waiting, the write still lands whole.
        var pending = new PendingAppend(conversationId, events.ToArray(),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            _queue.Add(pending, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(SqliteEventStore));
        }
        return pending.Done.Task;
    }

    public async Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT conversation_id FROM events ORDER BY conversation_id";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>Writes everything already queued, stops the writer and releases the file.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _queue.CompleteAdding();
        _writer.Join();
        _queue.Dispose();
        using var probe = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(probe);
    }

    private void WriteLoop(SqliteConnection connection)
    {
        using (connection)
        using (var nextSeq = connection.CreateCommand())
        using (var insert = connection.CreateCommand())
        {
            nextSeq.CommandText = "SELECT COALESCE(MAX(seq) + 1, 0) FROM events WHERE conversation_id = $id";
            var nextSeqId = nextSeq.Parameters.Add("$id", SqliteType.Text);
            insert.CommandText = "INSERT INTO events (conversation_id, seq, type, json, timestamp) VALUES ($id, $seq, $type, $json, $ts)";
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var type = insert.Parameters.Add("$type", SqliteType.Text);
            var json = insert.Parameters.Add("$json", SqliteType.Text);
            var timestamp = insert.Parameters.Add("$ts", SqliteType.Text);

            var batch = new List<PendingAppend>(MaxAppendsPerCommit);
            var outcomes = new List<Exception?>(MaxAppendsPerCommit);
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                batch.Add(first);
                while (batch.Count < MaxAppendsPerCommit && _queue.TryTake(out var more))
                    batch.Add(more);

                try
                {
                    using var transaction = connection.BeginTransaction();
                    nextSeq.Transaction = transaction;
                    insert.Transaction = transaction;
                    foreach (var append in batch)
                    {
                        transaction.Save("append");
                        try
                        {
                            nextSeqId.Value = append.ConversationId;
                            var next = (long)nextSeq.ExecuteScalar()!;
                            foreach (var e in append.Events)
                            {
                                id.Value = append.ConversationId;
                                seq.Value = next++;
                                type.Value = e.Type;
                                json.Value = e.Json;
                                timestamp.Value = e.Timestamp.ToString("O", CultureInfo.InvariantCulture);
                                insert.ExecuteNonQuery();
                            }
                            transaction.Release("append");
                            outcomes.Add(null);
                        }
                        catch (Exception e)
                        {
                            transaction.Rollback("append");
                            transaction.Release("append");
                            outcomes.Add(e);
                        }
                    }
                    transaction.Commit();
                    for (var i = 0; i < batch.Count; i++)
                    {
                        if (outcomes[i] is { } error)
                            batch[i].Done.SetException(new InvalidOperationException(
                                $"could not append {batch[i].Events.Length} event(s) to conversation '{batch[i].ConversationId}': {error.Message}", error));
                        else
                            batch[i].Done.SetResult();
                    }
                }
                catch (Exception e) // the writer thread must outlive any failure, or every later append would hang
                {
                    foreach (var append in batch)
                        append.Done.TrySetException(new InvalidOperationException(
                            $"could not commit events to '{DatabasePath}': {e.Message}", e));
                }
                finally
                {
                    batch.Clear();
                    outcomes.Clear();
                }
            }
        }
    }

    private static DateTimeOffset ParseTimestamp(string text) =>
        DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record PendingAppend(string ConversationId, StoredEvent[] Events, TaskCompletionSource Done);
}
