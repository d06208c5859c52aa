using Kefu.Dialogue;

namespace Kefu.Server.Agents;

/// <summary>
/// The event store with the console watching: every append that landed is shown to the <see cref="HandoffQueue"/>,
/// which sees handoffs start ("pause") and end ("resume", "restart", "session_started") without reading the store.
/// Everything else is the inner store's, its own optimized reads included.
/// </summary>
internal sealed class HandoffWatchingStore(IEventStore inner, HandoffQueue queue, bool ownsInner) : IEventStore, IAsyncDisposable, IDisposable
{
    public async ValueTask DisposeAsync()
    {
        if (!ownsInner)
            return;
        if (inner is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else
            (inner as IDisposable)?.Dispose();
    }

    /// <summary>A provider disposed synchronously asks for this; one that implemented only IAsyncDisposable would throw.</summary>
    public void Dispose()
    {
        if (ownsInner)
            (inner as IDisposable)?.Dispose();
    }

    public IEventStore Inner => inner;

    public async Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        await inner.AppendAsync(conversationId, events, ct).ConfigureAwait(false);
        queue.Appended(conversationId, events);
    }

    public async Task AppendExpectingAsync(string conversationId, int expectedCount, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        await inner.AppendExpectingAsync(conversationId, expectedCount, events, ct).ConfigureAwait(false);
        queue.Appended(conversationId, events);
    }

    public async Task DeleteAsync(string conversationId, CancellationToken ct = default)
    {
        await inner.DeleteAsync(conversationId, ct).ConfigureAwait(false);
        queue.Erased(conversationId);
    }

    public Task<IReadOnlyList<string>> IdleSinceAsync(DateTimeOffset cutoff, CancellationToken ct = default) => inner.IdleSinceAsync(cutoff, ct);

    public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default) => inner.LoadAsync(conversationId, ct);

    public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => inner.ListConversationsAsync(ct);

    public IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0, CancellationToken ct = default) =>
        inner.ReadAsync(conversationId, from, ct);

    public IAsyncEnumerable<StoredEvent> ReadBackwardAsync(string conversationId, int before, CancellationToken ct = default) =>
        inner.ReadBackwardAsync(conversationId, before, ct);

    public Task<int> LastIndexOfAsync(string conversationId, IReadOnlyCollection<string> types, int before, CancellationToken ct = default) =>
        inner.LastIndexOfAsync(conversationId, types, before, ct);

    public Task<int> CountAsync(string conversationId, CancellationToken ct = default) => inner.CountAsync(conversationId, ct);
}
