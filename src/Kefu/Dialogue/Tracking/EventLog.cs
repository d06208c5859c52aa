namespace Kefu.Dialogue.Tracking;

/// <summary>
/// An immutable list of events with O(1) amortized <see cref="Add"/> and O(1) indexing, stored in chunks of
/// <see cref="ChunkSize"/>. Versions share the chunks: the version that ends where the shared chunks are filled
/// appends in place (claiming the slot with a compare-and-swap); any other version (a branch, such as a form
/// looking at the tracker with its events added) copies only its last, partial chunk and the chunk table. A
/// version never reads past its own count, so every version reads as immutable. (ImmutableList allocated a
/// tree node per level per append: half of a turn's allocation.)
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(EventLog), nameof(Create))]
public sealed class EventLog : IReadOnlyList<DialogueEvent>
{
    private const int ChunkShift = 5;
    public const int ChunkSize = 1 << ChunkShift;

    /// <summary>Chunks shared by the versions of one line; Filled counts the events written into them.</summary>
    private sealed class Chunks(DialogueEvent[][] table, int filled)
    {
        public DialogueEvent[][] Table = table;   // replaced (never changed in place below Filled) when it grows
        public int Filled = filled;
    }

    public static EventLog Empty { get; } = new(new Chunks([], 0), 0);

    private readonly Chunks chunks;
    private readonly int count;

    private EventLog(Chunks chunks, int count)
    {
        this.chunks = chunks;
        this.count = count;
    }

    public static EventLog Create(ReadOnlySpan<DialogueEvent> events)
    {
        var log = Empty;
        foreach (var e in events) log = log.Add(e);
        return log;
    }

    public int Count => count;
    public bool IsEmpty => count == 0;

    public DialogueEvent this[int index] => (uint)index < (uint)count
        ? Volatile.Read(ref chunks.Table)[index >> ChunkShift][index & (ChunkSize - 1)]
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>This list with <paramref name="e"/> at the end; this one is unchanged.</summary>
    public EventLog Add(DialogueEvent e)
    {
        var shared = chunks;
        // (Empty is never appended to in place: its chunks would hold some conversation forever.)
        if (count > 0 && Interlocked.CompareExchange(ref shared.Filled, count + 1, count) == count)
        {
            Slot(shared, count) = e;
            return new EventLog(shared, count + 1);
        }
        // A branch: share the full chunks, copy the partial one.
        var table = Volatile.Read(ref shared.Table);
        int full = count >> ChunkShift, rest = count & (ChunkSize - 1);
        var copy = new DialogueEvent[Math.Max(4, full + 1)][];
        Array.Copy(table, copy, full);
        if (rest > 0)
        {
            copy[full] = new DialogueEvent[ChunkSize];
            Array.Copy(table[full], copy[full], rest);
        }
        var branch = new Chunks(copy, count + 1);
        Slot(branch, count) = e;
        return new EventLog(branch, count + 1);
    }

    /// <summary>The slot of event <paramref name="index"/>, which this caller alone has claimed; grows the table and chunk as needed.</summary>
    private static ref DialogueEvent Slot(Chunks shared, int index)
    {
        int chunk = index >> ChunkShift;
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
