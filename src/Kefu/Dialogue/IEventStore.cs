namespace Kefu.Dialogue;

/// <summary>One persisted dialogue event: its type name, its JSON body and when it happened.</summary>
public sealed record StoredEvent(string Type, string Json, DateTimeOffset Timestamp);

/// <summary>Append-only event log per conversation (SQLite by default, PostgreSQL for replicas).</summary>
public interface IEventStore
{
    /// <summary>All events of a conversation, in append order; empty when it does not exist.</summary>
    Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default);

    /// <summary>Appends atomically (all or none); durable when the task completes.</summary>
    Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default);

    Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default);
}
