namespace Kefu.Dialogue.Tracking;

/// <summary>
/// An immutable list of events with O(1) amortized <see cref="Add"/> and O(1) indexing, stored in chunks of
/// <see cref="ChunkSize"/>. Versions share the chunks: the version that ends where the shared chunks are filled
/// appends in place (claiming the slot with a compare-and-swap); any other version (a branch, such as a form
/// looking at the tracker with its events added) copies only its last, partial chunk and the chunk table. A
/// version never reads past its own count, so every version reads as immutable. (ImmutableList allocated a
/// tree node per level per append: half of a turn's allocation.)
/// A version made by <see cref="Forget"/> keeps only the events from <see cref="FirstInMemory"/> on (whole chunks are
/// dropped); indexes stay those of the whole list, and reading an earlier event loads them all once through the
/// loader it was given (the event store, which holds every event).
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(EventLog), nameof(Create))]
public sealed class EventLog : IReadOnlyList<DialogueEvent>
{
    private const int ChunkShift = 5;
    public const int ChunkSize = 1 << ChunkShift;

    /// <summary>
    /// Chunks shared by the versions of one line; Filled counts the events written into them. Table[i] is chunk
    /// FirstChunk + i: a forgetting line's table starts at its first chunk in memory, so that copying it for a branch
    /// costs the chunks in memory, not the whole conversation.
    /// </summary>
    private sealed class Chunks(DialogueEvent[][] table, int filled, int firstChunk = 0)
    {
        public DialogueEvent[][] Table = table;   // replaced (never changed in place below Filled) when it grows
        public int Filled = filled;
        public readonly int FirstChunk = firstChunk;
    }

    /// <summary>The events before a forgetting version's first chunk, loaded on first use.</summary>
    private sealed class Earlier(Func<IReadOnlyList<DialogueEvent>> load)
    {
        private IReadOnlyList<DialogueEvent>? events;
        public IReadOnlyList<DialogueEvent> Events => events ??= load();
    }

    public static EventLog Empty { get; } = new(new Chunks([], 0), 0);

    private readonly Chunks chunks;
    private readonly int count;
    private readonly int firstInMemory;
    private readonly Earlier? earlier;

    private EventLog(Chunks chunks, int count, int firstInMemory = 0, Earlier? earlier = null)
    {
        this.chunks = chunks;
        this.count = count;
        this.firstInMemory = firstInMemory;
        this.earlier = earlier;
    }

    public static EventLog Create(ReadOnlySpan<DialogueEvent> events)
    {
        var log = Empty;
        foreach (var e in events) log = log.Add(e);
        return log;
    }

    public int Count => count;
    public bool IsEmpty => count == 0;

    /// <summary>The index of the first event held in memory; reading before it goes to the loader.</summary>
    public int FirstInMemory => firstInMemory;

    public DialogueEvent this[int index] => (uint)index >= (uint)count
        ? throw new ArgumentOutOfRangeException(nameof(index))
        : index >= firstInMemory
            ? Volatile.Read(ref chunks.Table)[(index >> ChunkShift) - chunks.FirstChunk][index & (ChunkSize - 1)]
            : EarlierEvent(index);

    private DialogueEvent EarlierEvent(int index)
    {
        var events = earlier!.Events;
        return index < events.Count ? events[index]
            : throw new InvalidOperationException($"event {index} is not in memory and the store returned only {events.Count} events");
    }

    /// <summary>
    /// This list, holding in memory only the chunks from the one with event <paramref name="before"/> on; the
    /// earlier events are read through <paramref name="load"/>, which must return at least those. This one is unchanged.
    /// </summary>
    public EventLog Forget(int before, Func<IReadOnlyList<DialogueEvent>> load)
    {
        int first = Math.Min(before, count) >> ChunkShift << ChunkShift;
        if (first <= firstInMemory) return this;
        // Like a branch: a new table from the first chunk kept and a copy of the partial last chunk, so that this
        // version and the new one never append into the same array.
        var copy = CopyTable(first >> ChunkShift);
        return new EventLog(new Chunks(copy, count, first >> ChunkShift), count, first, new Earlier(load));
    }

    /// <summary>The first <paramref name="length"/> events (a revert's applied events); appending to it branches.</summary>
    public EventLog Prefix(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)count);
        return length >= firstInMemory ? new EventLog(chunks, length, firstInMemory, earlier) : EventLog.Create([.. this.Take(length)]);
    }

    /// <summary>This list with <paramref name="e"/> at the end; this one is unchanged.</summary>
    public EventLog Add(DialogueEvent e)
    {
        var shared = chunks;
        // (Empty is never appended to in place: its chunks would hold some conversation forever.)
        if (count > 0 && Interlocked.CompareExchange(ref shared.Filled, count + 1, count) == count)
        {
            Slot(shared, count) = e;
            return new EventLog(shared, count + 1, firstInMemory, earlier);
        }
        return Branch(e);
    }

    /// <summary>
    /// This list with <paramref name="e"/> at the end, never written into the shared chunks: for a list that is only
    /// looked at (what an action supposes), so that the line it came from keeps appending in place.
    /// </summary>
    public EventLog Branch(DialogueEvent e)
    {
        var branch = new Chunks(CopyTable(chunks.FirstChunk), count + 1, chunks.FirstChunk);
        Slot(branch, count) = e;
        return new EventLog(branch, count + 1, firstInMemory, earlier);
    }

    /// <summary>A table of this version's chunks from <paramref name="firstChunk"/> on: the full ones shared, the partial one copied.</summary>
    private DialogueEvent[][] CopyTable(int firstChunk)
    {
        var table = Volatile.Read(ref chunks.Table);
        int full = (count >> ChunkShift) - firstChunk, rest = count & (ChunkSize - 1), skip = firstChunk - chunks.FirstChunk;
        var copy = new DialogueEvent[Math.Max(4, full + 1)][];
        Array.Copy(table, skip, copy, 0, full);
        if (rest > 0)
        {
            copy[full] = new DialogueEvent[ChunkSize];
            Array.Copy(table[skip + full], copy[full], rest);
        }
        return copy;
    }

    /// <summary>The slot of event <paramref name="index"/>, which this caller alone has claimed; grows the table and chunk as needed.</summary>
    private static ref DialogueEvent Slot(Chunks shared, int index)
    {
        int chunk = (index >> ChunkShift) - shared.FirstChunk;
        var table = Volatile.Read(ref shared.Table);
        if (chunk >= table.Length)
        {
            var grown = new DialogueEvent[Math.Max(4, table.Length * 2)][];
            Array.Copy(table, grown, table.Length);
            Volatile.Write(ref shared.Table, table = grown);
        }
        table[chunk] ??= new DialogueEvent[ChunkSize];
        return ref table[chunk][index & (ChunkSize - 1)];
    }

    /// <summary>Whether the two versions write into the same chunks (for tests: an append in place keeps them).</summary>
    internal bool SharesChunksWith(EventLog other) => ReferenceEquals(chunks, other.chunks);

    /// <summary>Events [start, start + length) as an array.</summary>
    public DialogueEvent[] GetRange(int start, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start + (uint)length, (uint)count);
        var range = new DialogueEvent[length];
        for (int i = 0; i < length; i++) range[i] = this[start + i];
        return range;
    }

    public int FindLastIndex(Predicate<DialogueEvent> match)
    {
        for (int i = count - 1; i >= 0; i--)
            if (match(this[i])) return i;
        return -1;
    }

    public Enumerator GetEnumerator() => new(this);
    IEnumerator<DialogueEvent> IEnumerable<DialogueEvent>.GetEnumerator()
    {
        for (int i = 0; i < count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<DialogueEvent>)this).GetEnumerator();

    public struct Enumerator(EventLog log)
    {
        private int index = -1;
        public readonly DialogueEvent Current => log[index];
        public bool MoveNext() => ++index < log.count;
    }
}
