using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Kefu.Server.Agents;

/// <summary>A claim on a handed-off conversation: who has it since when.</summary>
public sealed record Claim(string Agent, DateTimeOffset At);

/// <summary>A hand-back note: what the agent left for whoever reads the conversation next.</summary>
public sealed record HandBackNote(string Agent, string Text, DateTimeOffset At);

/// <summary>
/// What the console adds to the conversations, in its own SQLite file beside the event store's (.kefu/console.db):
/// claims, which end with their handoff, hand-back notes, kept, and how long the last claims waited (<see cref="WaitEstimate"/>). Small and written rarely, so each call opens a
/// pooled connection; <see cref="HandoffQueue"/> serializes the writes.
/// </summary>
public sealed class ConsoleStore
{
    private readonly string _connectionString;

    public ConsoleStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS claims (conversation_id TEXT PRIMARY KEY, agent TEXT NOT NULL, claimed_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, agent TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS notes_by_conversation ON notes (conversation_id);
            CREATE TABLE IF NOT EXISTS claim_waits (id INTEGER PRIMARY KEY, seconds REAL NOT NULL);
            """ + CorrectionDecisions.Schema);
    }

    public Dictionary<string, Claim> LoadClaims()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT conversation_id, agent, claimed_at FROM claims";
        using var reader = command.ExecuteReader();
        var claims = new Dictionary<string, Claim>(StringComparer.Ordinal);
        while (reader.Read())
            claims[reader.GetString(0)] = new Claim(reader.GetString(1), Time(reader.GetString(2)));
        return claims;
    }

    public void SetClaim(string conversationId, Claim claim) =>
        Execute("INSERT INTO claims VALUES ($id, $agent, $at) ON CONFLICT (conversation_id) DO UPDATE SET agent = $agent, claimed_at = $at",
            ("$id", conversationId), ("$agent", claim.Agent), ("$at", Text(claim.At)));

    public void RemoveClaim(string conversationId) =>
        Execute("DELETE FROM claims WHERE conversation_id = $id", ("$id", conversationId));

    /// <summary>How long a conversation waited from its handoff to its first claim; only the last <paramref name="kept"/> are kept.</summary>
    public void AddClaimWait(TimeSpan wait, int kept)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO claim_waits (seconds) VALUES ($seconds);
            DELETE FROM claim_waits WHERE id <= (SELECT MAX(id) FROM claim_waits) - $kept;
            """;
        command.Parameters.AddWithValue("$seconds", wait.TotalSeconds);
        command.Parameters.AddWithValue("$kept", kept);
        command.ExecuteNonQuery();
    }

    /// <summary>The waits <see cref="AddClaimWait"/> kept, oldest first.</summary>
    public List<TimeSpan> LoadClaimWaits()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seconds FROM claim_waits ORDER BY id";
        using var reader = command.ExecuteReader();
        var waits = new List<TimeSpan>();
        while (reader.Read())
            waits.Add(TimeSpan.FromSeconds(reader.GetDouble(0)));
        return waits;
    }

    public void AddNote(string conversationId, HandBackNote note) =>
        Execute("INSERT INTO notes (conversation_id, agent, text, at) VALUES ($id, $agent, $text, $at)",
            ("$id", conversationId), ("$agent", note.Agent), ("$text", note.Text), ("$at", Text(note.At)));

    /// <summary>An erased conversation (DELETE /conversations/{id}, the retention period): its claim and its notes go with it.</summary>
    public void Erase(string conversationId)
    {
        Execute("DELETE FROM claims WHERE conversation_id = $id", ("$id", conversationId));
        Execute("DELETE FROM notes WHERE conversation_id = $id", ("$id", conversationId));
        Execute("DELETE FROM correction_decisions WHERE conversation_id = $id", ("$id", conversationId));
    }

    public IReadOnlyList<HandBackNote> Notes(string conversationId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT agent, text, at FROM notes WHERE conversation_id = $id ORDER BY id";
        command.Parameters.AddWithValue("$id", conversationId);
        using var reader = command.ExecuteReader();
        var notes = new List<HandBackNote>();
        while (reader.Read())
            notes.Add(new HandBackNote(reader.GetString(0), reader.GetString(1), Time(reader.GetString(2))));
        return notes;
    }

    private void Execute(string sql, params (string Name, string Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
