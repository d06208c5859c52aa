namespace Kefu.Dialogue;

/// <summary>
/// One async lock per conversation: messages of a conversation run one at a time in arrival order
/// (SemaphoreSlim queues waiters FIFO), different conversations in parallel. Idle locks are removed.
/// </summary>
internal sealed class ConversationLocks : IConversationLocks
{
    public bool SharedAcrossProcesses => false;

    private sealed class Entry { public readonly SemaphoreSlim Gate = new(1, 1); public int Users; }

    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async Task<IAsyncDisposable> AcquireAsync(string conversationId, CancellationToken ct)
    {
        Entry entry;
        lock (entries)
        {
            if (!entries.TryGetValue(conversationId, out entry!)) entries[conversationId] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            Release(conversationId, entry, held: false);
            throw;
        }
        return new Lease(this, conversationId, entry);
    }

    private void Release(string conversationId, Entry entry, bool held)
    {
        if (held) entry.Gate.Release();
        lock (entries)
        {
            if (--entry.Users == 0) entries.Remove(conversationId);
        }
    }

    private sealed class Lease(ConversationLocks owner, string id, Entry entry) : IAsyncDisposable
    {
        private int disposed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) owner.Release(id, entry, held: true);
            return ValueTask.CompletedTask;
        }
    }
}
