namespace Kefu.Dialogue;

/// <summary>
/// One persisted dialogue event: its type name, its JSON body as UTF-8 and when it happened. UTF-8 because that is
/// what the engine's JSON writer makes and what the database takes: as a UTF-16 string it was ~15 % of the garbage
/// of a turn, and a transcoding on the store's writer thread.
/// </summary>
public sealed record StoredEvent(string Type, byte[] Utf8Json, DateTimeOffset Timestamp)
{
    public StoredEvent(string type, string json, DateTimeOffset timestamp)
        : this(type, System.Text.Encoding.UTF8.GetBytes(json ?? throw new ArgumentNullException(nameof(json))), timestamp) { }

    /// <summary>The JSON body as text.</summary>
    public string Json => System.Text.Encoding.UTF8.GetString(Utf8Json);

    public bool Equals(StoredEvent? other) => other is not null && Type == other.Type && Timestamp == other.Timestamp
        && Utf8Json.AsSpan().SequenceEqual(other.Utf8Json);

    public override int GetHashCode() => HashCode.Combine(Type, Timestamp, Utf8Json.Length);
}

/// <summary>Append-only event log per conversation (SQLite by default, PostgreSQL for replicas).</summary>
public interface IEventStore
{
    /// <summary>All events of a conversation, in append order; empty when it does not exist.</summary>
    Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default);

    /// <summary>Appends atomically (all or none); durable when the task completes.</summary>
    Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default);
}
