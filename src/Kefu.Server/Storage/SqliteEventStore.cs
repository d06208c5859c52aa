using System.Collections.Concurrent;
using System.Globalization;
using Kefu.Dialogue;
using Microsoft.Data.Sqlite;

namespace Kefu.Server.Storage;

/// <summary>
/// How hard a commit waits for the disk. Both use WAL, so the file never corrupts; they differ on a power cut.
/// </summary>
public enum SqliteDurability
{
    /// <summary>
    /// synchronous=FULL: the WAL is fsynced at every commit; acknowledged events survive a power cut too.
    /// The default: with group commit it measured no slower than Normal (bench/server/store-bench.cs), as
    /// appends queue up while the fsync runs and the next commit takes them all.
    /// </summary>
    Full,

    /// <summary>
    /// synchronous=NORMAL: a commit reaches the WAL (the OS's page cache) before its append completes, so a
    /// killed server loses nothing acknowledged; an OS crash or power cut can lose the commits since the last
    /// checkpoint. For disks where fsync is slow enough to show in the latency.
    /// </summary>
    Normal,
}

/// <summary>
/// The default event log: one SQLite file in WAL mode. Appends go through a single writer thread that commits
/// whatever is queued in one transaction (group commit), so one disk write (and with Full one fsync) serves many
/// conversations; when a batch fails, its appends are retried one by one so a bad one cannot sink the rest.
/// An append's task completes after its commit. Reads use pooled connections and run beside the writer
/// (WAL readers never wait for it). One store per file: the writer caches each conversation's next sequence
/// number, so a second writer on the same file would see its appends refused by the primary key.
/// </summary>
public sealed class SqliteEventStore : IEventStore, IDisposable
{
    private const int MaxAppendsPerCommit = 512;
    private const int MaxCachedSequences = 100_000;
    private const int SchemaVersion = 1;

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

    public SqliteEventStore(string databasePath, SqliteDurability durability = SqliteDurability.Full)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();

        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            connection = new SqliteConnection(_connectionString);
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = "
                + (durability == SqliteDurability.Full ? "FULL;" : "NORMAL;"));
            CreateOrCheckSchema(connection);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
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
        using var writer = new BatchWriter(connection);
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Add(first);
            while (batch.Count < MaxAppendsPerCommit && _queue.TryTake(out var more))
                batch.Add(more);
            try
            {
                writer.Commit(batch);
                foreach (var append in batch)
                    append.Done.SetResult();
            }
            catch (Exception) // one bad append fails the whole transaction: commit each alone to find it
            {
                foreach (var append in batch)
                    CommitAlone(writer, append);
            }
            batch.Clear();
        }
    }

    private void CommitAlone(BatchWriter writer, PendingAppend append)
    {
        try
        {
            writer.Commit([append]);
            append.Done.SetResult();
        }
        catch (Exception e) // the writer thread must outlive any failure, or every later append would hang
        {
            append.Done.SetException(new InvalidOperationException(
                $"could not append {append.Events.Length} event(s) to conversation '{append.ConversationId}' in '{DatabasePath}': {e.Message}", e));
        }
    }

    /// <summary>The writer's connection and prepared statements; commits a batch of appends as one transaction.</summary>
    private sealed class BatchWriter : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _lastSeq;
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter _lastSeqId, _id, _seq, _type, _json, _timestamp;
        // conversation -> its next seq, as committed; spares a lookup per append for active conversations.
        private readonly Dictionary<string, long> _nextSeqs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _uncommitted = new(StringComparer.Ordinal);

        public BatchWriter(SqliteConnection connection)
        {
            _connection = connection;
            _lastSeq = connection.CreateCommand();
            _lastSeq.CommandText = "SELECT COALESCE(MAX(seq) + 1, 0) FROM events WHERE conversation_id = $id";
            _lastSeqId = _lastSeq.Parameters.Add("$id", SqliteType.Text);
            _insert = connection.CreateCommand();
            _insert.CommandText = "INSERT INTO events (conversation_id, seq, type, json, timestamp) VALUES ($id, $seq, $type, $json, $ts)";
            _id = _insert.Parameters.Add("$id", SqliteType.Text);
            _seq = _insert.Parameters.Add("$seq", SqliteType.Integer);
            _type = _insert.Parameters.Add("$type", SqliteType.Text);
            _json = _insert.Parameters.Add("$json", SqliteType.Text);
            _timestamp = _insert.Parameters.Add("$ts", SqliteType.Text);
        }

        public void Commit(IReadOnlyList<PendingAppend> batch)
        {
            _uncommitted.Clear();
            using var transaction = _connection.BeginTransaction();
            _lastSeq.Transaction = transaction;
            _insert.Transaction = transaction;
            foreach (var append in batch)
            {
                var next = NextSeq(append.ConversationId);
                foreach (var e in append.Events)
                {
                    _id.Value = append.ConversationId;
                    _seq.Value = next++;
                    _type.Value = e.Type;
                    _json.Value = e.Json;
                    _timestamp.Value = e.Timestamp.ToString("O", CultureInfo.InvariantCulture);
                    _insert.ExecuteNonQuery();
                }
                _uncommitted[append.ConversationId] = next;
            }
            transaction.Commit();
            if (_nextSeqs.Count > MaxCachedSequences)
                _nextSeqs.Clear();
            foreach (var (conversation, next) in _uncommitted)
                _nextSeqs[conversation] = next;
        }

        private long NextSeq(string conversationId)
        {
            if (_uncommitted.TryGetValue(conversationId, out var next) || _nextSeqs.TryGetValue(conversationId, out next))
                return next;
            _lastSeqId.Value = conversationId;
            return (long)_lastSeq.ExecuteScalar()!;
        }

        public void Dispose()
        {
            _lastSeq.Dispose();
            _insert.Dispose();
            _connection.Dispose();
        }
    }

    private void CreateOrCheckSchema(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        var found = (long)version.ExecuteScalar()!;
        if (found > SchemaVersion)
        {
            connection.Dispose();
            throw new InvalidOperationException(
                $"the conversation database '{DatabasePath}' has schema version {found}; this Kefu knows up to {SchemaVersion}");
        }
        Execute(connection, Schema + $"PRAGMA user_version = {SchemaVersion};");
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
