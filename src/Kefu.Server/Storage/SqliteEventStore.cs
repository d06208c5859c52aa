using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Kefu.Dialogue;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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
public sealed partial class SqliteEventStore : IEventStore, IDisposable
{
    private const int MaxAppendsPerCommit = 512;
    private const int MaxCachedSequences = 100_000;
    private const int SchemaVersion = 2;

    // One row per append (a turn's events, in order), not per event: a turn costs one table insert and one index
    // insert. A rowid table, so rows land at its end and a turn's JSON (2-3 KB) stays on its leaf page; in a
    // WITHOUT ROWID table rows over ~1 KB spill into overflow pages, doubling the file and its writes.
    // Version 1 stored one row per event in "events"; opening such a file moves its rows here (CreateOrCheckSchema).
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS appends (
            conversation_id TEXT    NOT NULL,
            first_seq       INTEGER NOT NULL,  -- the conversation's event number of the first event
            event_count     INTEGER NOT NULL,
            events          TEXT    NOT NULL   -- [{"type", "timestamp", "event"}, ...]
        );
        CREATE UNIQUE INDEX IF NOT EXISTS appends_by_conversation ON appends (conversation_id, first_seq);
        """;

    private readonly string _connectionString;
    private readonly FileStream? _serverLock;
    private readonly BlockingCollection<PendingAppend> _queue = new();
    // The writer's committed event count per recently written conversation (see BatchWriter): this process is the file's
    // only writer (one server per file, DATABASE.lock), so a count found here is the file's.
    private readonly ConcurrentDictionary<string, long> _committedCounts = new(StringComparer.Ordinal);
    private readonly Thread? _writer; // null when read-only
    private bool _disposed;

    public string DatabasePath { get; }

    /// <param name="exclusive">
    /// For a server: holds DATABASE.lock (an OS file lock, gone with the process even after kill -9) so that a second
    /// server on the same file stops at once with a clear error instead of failing appends with duplicate keys.
    /// </param>
    public SqliteEventStore(string databasePath, SqliteDurability durability = SqliteDurability.Full, bool exclusive = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        if (exclusive)
            _serverLock = LockForOneServer(DatabasePath);
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
            // mmap: the writer reads B-tree pages straight from the mapped file instead of a pread() each time one
            // is not in SQLite's small page cache (9% of the server's CPU under wrk went to those reads).
            // secure_delete: an erased conversation's bytes are zeroed in the file, not left in free pages (docs/privacy.md).
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA mmap_size = 1073741824; PRAGMA secure_delete = ON; PRAGMA synchronous = "
                + (durability == SqliteDurability.Full ? "FULL;" : "NORMAL;"));
            CreateOrCheckSchema(connection);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            _serverLock?.Dispose();
            throw new ConversationStoreException($"cannot open the conversation database '{DatabasePath}': {e.Message.ReplaceLineEndings(" ")}", e);
        }

        _writer = new Thread(() => WriteLoop(connection)) { Name = "kefu-sqlite-writer", IsBackground = true };
        _writer.Start();
    }

    /// <summary>
    /// A store that only reads an existing file, for the commands that export or learn from conversations. SQLite
    /// would make any file it opens read-write into a database (an empty one gets the schema), so a path named by
    /// mistake would be altered: this opens it read-only, after checking that it is a Kefu conversation database.
    /// Appends and erasures are refused.
    /// </summary>
    public static SqliteEventStore OpenReadOnly(string databasePath) => new(databasePath, readOnly: true);

    /// <param name="readOnly">Always true: it tells this constructor from the public one.</param>
    private SqliteEventStore(string databasePath, bool readOnly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Debug.Assert(readOnly);
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
        }.ToString();
        string? problem;
        try
        {
            problem = NotAConversationDatabase();
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            problem = e.Message.ReplaceLineEndings(" ");
        }
        if (problem is not null)
        {
            using (var probe = new SqliteConnection(_connectionString))
                SqliteConnection.ClearPool(probe);
            throw new ConversationStoreException($"cannot read the conversation database '{DatabasePath}': {problem}; it was left as it was");
        }
    }

    /// <summary>Why the file cannot be read as a conversation store, or null when it can.</summary>
    private string? NotAConversationDatabase()
    {
        if (SqliteFiles.NotADatabase(DatabasePath) is { } notSqlite)
            return $"{notSqlite} (kefu serve writes one)";
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT user_version FROM pragma_user_version), EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'appends')";
        using var reader = command.ExecuteReader();
        reader.Read();
        long version = reader.GetInt64(0);
        bool hasAppends = reader.GetBoolean(1);
        if (version > SchemaVersion)
            return $"it has schema version {version}; this Kefu knows up to {SchemaVersion}";
        if (version == 1)
            return "it has the schema of an older Kefu (version 1); kefu serve upgrades it when it opens it";
        if (version != SchemaVersion || !hasAppends)
            return "it is a SQLite database but not one of Kefu's conversations (no 'appends' table)";
        return null;
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT events FROM appends WHERE conversation_id = $id ORDER BY first_seq";
        command.Parameters.AddWithValue("$id", conversationId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(ct))
            events.AddRange(RowEvents(reader.GetFieldValue<byte[]>(0)));
        return events;
    }

    public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(events);
        ct.ThrowIfCancellationRequested();
        ThrowIfReadOnly();
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

    /// <summary>
    /// Through the writer, in order with the appends: it also forgets the conversation's next sequence number. The
    /// write-ahead log, which still holds the erased rows' pages, is then truncated (when no reader holds it).
    /// </summary>
    public Task DeleteAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ct.ThrowIfCancellationRequested();
        ThrowIfReadOnly();
        var pending = new PendingAppend(conversationId, [], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Erase: true);
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
        command.CommandText = "SELECT DISTINCT conversation_id FROM appends ORDER BY conversation_id";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>
    /// Writes everything already queued, moves the write-ahead log into the database file (so that the .db file alone
    /// holds every event once the server has stopped), stops the writer and releases the file.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _queue.CompleteAdding();
        _writer?.Join();
        _queue.Dispose();
        using var probe = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(probe);
        _serverLock?.Dispose();
    }

    // Without a writer thread a queued append would wait forever.
    private void ThrowIfReadOnly()
    {
        if (_writer is null)
            throw new InvalidOperationException($"the conversation database '{DatabasePath}' was opened read-only");
    }

    private static FileStream LockForOneServer(string databasePath)
    {
        var lockPath = databasePath + ".lock";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
            // FileShare.None is an exclusive flock on Unix and a share mode on Windows: the second opener fails.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (DirectoryNotFoundException or PathTooLongException))
        {
            throw new ConversationStoreException(
                $"the conversation database '{databasePath}' is in use by another Kefu server ({lockPath} is locked): one SQLite file serves one server; "
                + "several replicas share conversations through endpoints.yml's tracker_store (PostgreSQL) and lock_store (Redis), see docs/server.md", e);
        }
    }

    private void WriteLoop(SqliteConnection connection)
    {
        using var writer = new BatchWriter(connection, _committedCounts);
        var batch = new List<PendingAppend>(MaxAppendsPerCommit);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Add(first);
            while (batch.Count < MaxAppendsPerCommit && _queue.TryTake(out var more))
                batch.Add(more);
            try
            {
                writer.Commit(batch);
                if (batch.Exists(a => a.Erase))
                    TruncateLog(connection);
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
        try
        {
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // A reader still open keeps the log: nothing is lost, the events stay in the -wal file beside the database.
        }
    }

    private static void TruncateLog(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // A reader holds the log: it is truncated at a later erasure or when the store closes.
        }
    }

    private void CommitAlone(BatchWriter writer, PendingAppend append)
    {
        try
        {
            writer.Commit([append]);
            if (append.Erase)
                TruncateLog(writer.Connection);
            append.Done.SetResult();
        }
        catch (Exception e) // the writer thread must outlive any failure, or every later append would hang
        {
            append.Done.SetException(new InvalidOperationException(
                $"could not append {append.Events.Length} event(s) to conversation '{append.ConversationId}' in '{DatabasePath}': {e.Message}", e));
        }
    }

    /// <summary>
    /// The writer's connection and prepared statements; commits a batch of appends as one transaction. The insert is a
    /// raw SQLite statement so that a row's JSON goes from a reused UTF-8 buffer straight to sqlite3_bind_text: through
    /// SqliteParameter it was a UTF-16 string and then a UTF-8 copy, ~8 KB of a turn's ~31 KB of garbage.
    /// </summary>
    private sealed class BatchWriter : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _lastSeq;
        private readonly SqliteCommand _delete;
        private readonly SqliteParameter _lastSeqId;
        private readonly sqlite3_stmt _insert;
        private readonly ArrayBufferWriter<byte> _row = new(16 * 1024);
        private readonly Utf8JsonWriter _json;
        // conversation -> its next seq (= its event count), as committed; spares a lookup per append for active
        // conversations, and CountAsync's query. Written by this thread only, read by any.
        private readonly ConcurrentDictionary<string, long> _nextSeqs;
        private readonly Dictionary<string, long> _uncommitted = new(StringComparer.Ordinal);

        public BatchWriter(SqliteConnection connection, ConcurrentDictionary<string, long> committedCounts)
        {
            _connection = connection;
            _nextSeqs = committedCounts;
            _lastSeq = connection.CreateCommand();
            _lastSeq.CommandText = "SELECT COALESCE(MAX(first_seq + event_count), 0) FROM appends WHERE conversation_id = $id";
            _lastSeqId = _lastSeq.Parameters.Add("$id", SqliteType.Text);
            _delete = connection.CreateCommand();
            _delete.CommandText = "DELETE FROM appends WHERE conversation_id = $id";
            _delete.Parameters.Add("$id", SqliteType.Text);
            Check(raw.sqlite3_prepare_v2(connection.Handle,
                "INSERT INTO appends (conversation_id, first_seq, event_count, events) VALUES (?1, ?2, ?3, ?4)", out _insert));
            _json = new Utf8JsonWriter(_row, EventRows.WriterOptions);
        }

        public SqliteConnection Connection => _connection;

        public void Commit(IReadOnlyList<PendingAppend> batch)
        {
            _uncommitted.Clear();
            using var transaction = _connection.BeginTransaction();
            _lastSeq.Transaction = transaction;
            _delete.Transaction = transaction;
            foreach (var append in batch)
            {
                if (append.Erase)
                {
                    _delete.Parameters[0].Value = append.ConversationId;
                    _delete.ExecuteNonQuery();
                    _uncommitted[append.ConversationId] = 0;
                    continue;
                }
                var next = NextSeq(append.ConversationId);
                Insert(append.ConversationId, next, append.Events);
                _uncommitted[append.ConversationId] = next + append.Events.Length;
            }
            transaction.Commit();
            if (_nextSeqs.Count > MaxCachedSequences)
                _nextSeqs.Clear();
            foreach (var (conversation, next) in _uncommitted)
                _nextSeqs[conversation] = next;
        }

        private void Insert(string conversationId, long firstSeq, StoredEvent[] events)
        {
            WriteRow(events);
            try
            {
                Check(raw.sqlite3_bind_text(_insert, 1, conversationId));
                Check(raw.sqlite3_bind_int64(_insert, 2, firstSeq));
                Check(raw.sqlite3_bind_int64(_insert, 3, events.Length));
                Check(raw.sqlite3_bind_text(_insert, 4, _row.WrittenSpan));
                var rc = raw.sqlite3_step(_insert);
                if (rc != raw.SQLITE_DONE) Check(rc);
            }
            finally
            {
                raw.sqlite3_reset(_insert);
            }
        }

        private void WriteRow(StoredEvent[] events)
        {
            _row.ResetWrittenCount();
            _json.Reset(_row);
            EventRows.Write(_json, events);
            _json.Flush();
        }

        private long NextSeq(string conversationId)
        {
            if (_uncommitted.TryGetValue(conversationId, out var next) || _nextSeqs.TryGetValue(conversationId, out next))
                return next;
            _lastSeqId.Value = conversationId;
            return (long)_lastSeq.ExecuteScalar()!;
        }

        private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _connection.Handle);

        public void Dispose()
        {
            _json.Dispose();
            _insert.Dispose();
            _lastSeq.Dispose();
            _delete.Dispose();
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
            throw new ConversationStoreException(
                $"the conversation database '{DatabasePath}' has schema version {found}; this Kefu knows up to {SchemaVersion}");
        }
        const string Migration = """
            INSERT INTO appends (conversation_id, first_seq, event_count, events)
            SELECT conversation_id, seq, 1, json_array(json_object('type', type, 'timestamp', timestamp, 'event', json(json)))
            FROM events;
            DROP TABLE events;
            """;
        // One transaction: a migration interrupted half-way leaves the version-1 file as it was.
        Execute(connection, "BEGIN IMMEDIATE;" + Schema + (found == 1 ? Migration : "") + $"PRAGMA user_version = {SchemaVersion}; COMMIT;");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>An append, or with <paramref name="Erase"/> the deletion of the conversation's every event.</summary>
    private sealed record PendingAppend(string ConversationId, StoredEvent[] Events, TaskCompletionSource Done, bool Erase = false);
}
