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

    public async IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!conversations.TryGetValue(conversationId, out var events)) yield break;
        for (var i = Math.Max(0, from); ; i++)
        {
            StoredEvent e;
            lock (events)
            {
                if (i >= events.Count) yield break;
                e = events[i];
            }
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public async IAsyncEnumerable<StoredEvent> ReadBackwardAsync(string conversationId, int before,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!conversations.TryGetValue(conversationId, out var events)) yield break;
        int start;
        lock (events) start = Math.Min(before, events.Count) - 1;
        for (var i = start; i >= 0; i--)
        {
            StoredEvent e;
            lock (events) e = events[i];
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
    }

    public Task<int> CountAsync(string conversationId, CancellationToken ct = default)
    {
        if (!conversations.TryGetValue(conversationId, out var events)) return Task.FromResult(0);
        lock (events) return Task.FromResult(events.Count);
    }

    public Task DeleteAsync(string conversationId, CancellationToken ct = default)
    {
        conversations.TryRemove(conversationId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<string>>(conversations.Keys.Order(StringComparer.Ordinal).ToList());
}
