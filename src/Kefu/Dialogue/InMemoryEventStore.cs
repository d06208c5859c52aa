using System.Collections.Concurrent;

namespace Kefu.Dialogue;

/// <summary>Events kept in memory only: for `kefu shell`, `kefu test` and tests. Lost when the process ends.</summary>
public sealed class InMemoryEventStore : IEventStore
{
    private readonly ConcurrentDictionary<string, List<StoredEvent>> conversations = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
    {
        if (!conversations.TryGetValue(conversationId, out var events)) return Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        lock (events) return Task.FromResult<IReadOnlyList<StoredEvent>>(events.ToList());
    }

    public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        if (events.Count == 0) return Task.CompletedTask;
        var list = conversations.GetOrAdd(conversationId, _ => []);
        lock (list) list.AddRange(events);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<string>>(conversations.Keys.Order(StringComparer.Ordinal).ToList());
}
