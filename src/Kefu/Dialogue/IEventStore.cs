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

    /// <summary>
    /// Appends only when the conversation holds exactly <paramref name="expectedCount"/> events, else stores nothing and
    /// throws <see cref="ConversationChangedException"/>: the fence that keeps a replica whose lock expired mid-turn from
    /// appending after another replica's turn. A store that other processes write (PostgreSQL) checks inside the append's
    /// transaction; this default checks, then appends, which is enough where one process writes and holds the lock.
    /// </summary>
    async Task AppendExpectingAsync(string conversationId, int expectedCount, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
    {
        var count = await CountAsync(conversationId, ct).ConfigureAwait(false);
        if (count != expectedCount) throw new ConversationChangedException(conversationId, expectedCount, count);
        await AppendAsync(conversationId, events, ct).ConfigureAwait(false);
    }

    Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default);

    /// <summary>
    /// Events from index <paramref name="from"/> on, in order, read as the caller consumes them: a store that can (SQLite)
    /// holds one stored append at a time, so a long conversation is never in memory at once. Stopping early is fine.
    /// </summary>
    async IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var events = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        for (var i = Math.Max(0, from); i < events.Count; i++) yield return events[i];
    }

    /// <summary>Events before index <paramref name="before"/>, newest first, read as the caller consumes them.</summary>
    async IAsyncEnumerable<StoredEvent> ReadBackwardAsync(string conversationId, int before,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var events = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        for (var i = Math.Min(before, events.Count) - 1; i >= 0; i--) yield return events[i];
    }

    /// <summary>The index of the last event before <paramref name="before"/> whose type is one of <paramref name="types"/>; -1 if none.</summary>
    async Task<int> LastIndexOfAsync(string conversationId, IReadOnlyCollection<string> types, int before, CancellationToken ct = default)
    {
        var index = Math.Min(before, await CountAsync(conversationId, ct).ConfigureAwait(false));
        await foreach (var e in ReadBackwardAsync(conversationId, before, ct).ConfigureAwait(false))
        {
            index--;
            if (types.Contains(e.Type)) return index;
        }
        return -1;
    }

    /// <summary>The number of events of a conversation; 0 when it does not exist.</summary>
    async Task<int> CountAsync(string conversationId, CancellationToken ct = default) =>
        (await LoadAsync(conversationId, ct).ConfigureAwait(false)).Count;

    /// <summary>
    /// Erases every event of a conversation (an erasure request, the retention period); an unknown one is no error. The
    /// caller holds the conversation's lock. Stores used for tests only may leave it out.
    /// </summary>
    Task DeleteAsync(string conversationId, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot delete conversations");

    /// <summary>Conversations whose newest event is older than <paramref name="cutoff"/>: one backward read of one event each.</summary>
    async Task<IReadOnlyList<string>> IdleSinceAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        var idle = new List<string>();
        foreach (var id in await ListConversationsAsync(ct).ConfigureAwait(false))
            await foreach (var newest in ReadBackwardAsync(id, int.MaxValue, ct).ConfigureAwait(false))
            {
                if (newest.Timestamp < cutoff) idle.Add(id);
                break;
            }
        return idle;
    }
}

/// <summary>A fenced append found the conversation changed since its turn read it: another replica wrote it meanwhile.</summary>
public sealed class ConversationChangedException(string conversationId, int expectedCount, int foundCount)
    : InvalidOperationException($"conversation '{conversationId}' has {foundCount} events, not the {expectedCount} its turn read: another replica appended meanwhile (its lock had expired); nothing of this turn was stored")
{
    public string ConversationId { get; } = conversationId;
}
