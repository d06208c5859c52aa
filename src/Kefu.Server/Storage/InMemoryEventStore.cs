using System.Collections.Concurrent;
using Kefu.Dialogue;

namespace Kefu.Server.Storage;

/// <summary>Event log kept in memory: for tests and throwaway shells; nothing survives the process.</summary>
public sealed class InMemoryEventStore : IEventStore
{
    private readonly ConcurrentDictionary<string, List<StoredEvent>> _conversations = new();

    public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
    {
        if (!_conversations.TryGetValue(conversationId, out var events))
            return Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        lock (events)
            return Task.FromResult<IReadOnlyList<StoredEvent>>(events.ToArray());
    }

    public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
            return Task.CompletedTask;
        var log = _conversations.GetOrAdd(conversationId, _ => []);
        lock (log)
            log.AddRange(events);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<string>>(_conversations.Keys.Order(StringComparer.Ordinal).ToArray());
}
