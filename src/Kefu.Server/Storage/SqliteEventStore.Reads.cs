using System.Runtime.CompilerServices;
using System.Text.Json;
using Kefu.Dialogue;
using Microsoft.Data.Sqlite;

namespace Kefu.Server.Storage;

/// <summary>
/// Reads that hold one row (one append: a turn's events) at a time, so that a conversation of any length is read with
/// bounded memory; and the checks of the file itself.
/// </summary>
public sealed partial class SqliteEventStore
{
    public async IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // The row holding event `from` is the last one starting at or before it: both lookups walk the index.
        command.CommandText = """
            SELECT first_seq, events FROM appends
            WHERE conversation_id = $id AND first_seq >= COALESCE((SELECT first_seq FROM appends
                WHERE conversation_id = $id AND first_seq <= $from ORDER BY first_seq DESC LIMIT 1), 0)
            ORDER BY first_seq
            """;
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$from", Math.Max(0, from));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var seq = reader.GetInt64(0);
            foreach (var e in RowEvents(reader.GetFieldValue<byte[]>(1)))
                if (seq++ >= from)
                    yield return e;
        }
    }

    public async IAsyncEnumerable<StoredEvent> ReadBackwardAsync(string conversationId, int before,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq, events FROM appends WHERE conversation_id = $id AND first_seq < $before ORDER BY first_seq DESC";
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$before", before);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var first = reader.GetInt64(0);
            var events = RowEvents(reader.GetFieldValue<byte[]>(1));
            for (var i = events.Length - 1; i >= 0; i--)
                if (first + i < before)
                    yield return events[i];
        }
    }

    public async Task<int> LastIndexOfAsync(string conversationId, IReadOnlyCollection<string> types, int before, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(types);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (types.Count == 0)
            return -1;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // Only rows whose text holds {"type":"T" are parsed: the writer puts each event's type first in that exact form.
        // An event whose own JSON has an object of that shape passes the filter too, and is then told apart by its type.
        var filters = types.Select((type, i) =>
        {
            command.Parameters.AddWithValue($"$t{i}", $"{{\"type\":{JsonSerializer.Serialize(type)}");
            return $"instr(events, $t{i}) > 0";
        });
        command.CommandText = $"""
            SELECT first_seq, events FROM appends
            WHERE conversation_id = $id AND first_seq < $before AND ({string.Join(" OR ", filters)})
            ORDER BY first_seq DESC
            """;
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$before", before);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var first = reader.GetInt64(0);
            var events = RowEvents(reader.GetFieldValue<byte[]>(1));
            for (var i = events.Length - 1; i >= 0; i--)
                if (first + i < before && types.Contains(events[i].Type))
                    return (int)(first + i);
        }
        return -1;
    }

    public async Task<int> CountAsync(string conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Asked before every turn (the conversation-size limit): a query per webhook cost ~5 % of the server's CPU.
        if (_committedCounts.TryGetValue(conversationId, out var known))
            return (int)known;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq + event_count FROM appends WHERE conversation_id = $id ORDER BY first_seq DESC LIMIT 1";
        command.Parameters.AddWithValue("$id", conversationId);
        return await command.ExecuteScalarAsync(ct) is long count ? (int)count : 0;
    }

    /// <summary>
    /// Whether the file can be trusted: SQLite's <c>PRAGMA quick_check</c> (every page and record well formed; O(file
    /// size), about a second per few hundred MB) and the schema version. Null when sound, else what is wrong, in one line.
    /// </summary>
    public string? CheckIntegrity()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var version = connection.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            if ((long)version.ExecuteScalar()! is var found && found != SchemaVersion)
                return $"the conversation database '{DatabasePath}' has schema version {found}; this Kefu reads version {SchemaVersion}";
            using var check = connection.CreateCommand();
            // At most 5 problems: enough to say what is damaged, and a badly damaged file would otherwise list thousands.
            check.CommandText = "PRAGMA quick_check(5)";
            using var reader = check.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read())
                problems.Add(reader.GetString(0));
            return problems is ["ok"] ? null
                : $"the conversation database '{DatabasePath}' is damaged: PRAGMA quick_check says {string.Join("; ", problems).ReplaceLineEndings(" ")}";
        }
        catch (SqliteException e)
        {
            return $"the conversation database '{DatabasePath}' cannot be read: {e.Message.ReplaceLineEndings(" ")}";
        }
    }

    private static StoredEvent[] RowEvents(byte[] row) => EventRows.Read(row);
}
