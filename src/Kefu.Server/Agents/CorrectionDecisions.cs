using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kefu.Server.Agents;

/// <summary>
/// A trainer's decision on an inbox item. Kind: "confirm" (the NLU's intent and entities were right), "correct"
/// (Intent and Entities are the trainer's), "dismiss" (not training data).
/// </summary>
public sealed record CorrectionDecision(string Kind, string? Intent, IReadOnlyList<InboxEntity> Entities, string DecidedBy, DateTimeOffset At);

/// <summary>
/// The decisions, in the console's SQLite file (table correction_decisions, made by <see cref="ConsoleStore"/>, which
/// also erases a conversation's rows with it). One row per (conversation, message index): an item is decided once,
/// unless a decision overrides the stored one. No message text is kept here: the export reads it from the event store.
/// </summary>
public sealed class CorrectionDecisions
{
    internal const string Schema = """

        CREATE TABLE IF NOT EXISTS correction_decisions (conversation_id TEXT NOT NULL, message_index INTEGER NOT NULL,
            kind TEXT NOT NULL, intent TEXT, entities TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL,
            PRIMARY KEY (conversation_id, message_index));
        """;

    private readonly string _connectionString;

    /// <summary>Takes the <see cref="ConsoleStore"/> so that its table exists before the first read here.</summary>
    public CorrectionDecisions(ConsoleStore schema, string path)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
    }

    /// <summary>Stores the decision; false (nothing stored) when the item has one and <paramref name="overrideExisting"/> is false.</summary>
    public bool Decide(string conversationId, int index, CorrectionDecision decision, bool overrideExisting)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO correction_decisions VALUES ($id, $index, $kind, $intent, $entities, $by, $at) ON CONFLICT DO "
            + (overrideExisting ? "UPDATE SET kind = $kind, intent = $intent, entities = $entities, decided_by = $by, decided_at = $at" : "NOTHING");
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$index", index);
        command.Parameters.AddWithValue("$kind", decision.Kind);
        command.Parameters.AddWithValue("$intent", (object?)decision.Intent ?? DBNull.Value);
        command.Parameters.AddWithValue("$entities", JsonSerializer.Serialize(decision.Entities));
        command.Parameters.AddWithValue("$by", decision.DecidedBy);
        command.Parameters.AddWithValue("$at", decision.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return command.ExecuteNonQuery() == 1;
    }

    public Dictionary<(string ConversationId, int Index), CorrectionDecision> All()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT conversation_id, message_index, kind, intent, entities, decided_by, decided_at FROM correction_decisions ORDER BY decided_at";
        using var reader = command.ExecuteReader();
        var all = new Dictionary<(string, int), CorrectionDecision>();
        while (reader.Read())
            all[(reader.GetString(0), reader.GetInt32(1))] = new CorrectionDecision(reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                JsonSerializer.Deserialize<List<InboxEntity>>(reader.GetString(4)) ?? [], reader.GetString(5),
                DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        return all;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
