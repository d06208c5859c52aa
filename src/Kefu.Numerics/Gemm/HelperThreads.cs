using System.Diagnostics;

namespace Kefu.Numerics;

/// <summary>
/// Persistent background threads, at most one per core beyond the caller's, that help the open
/// <see cref="ClaimingParallelFor"/> loops of every calling thread. After its last item a helper spins for
/// <see cref="SpinBudget"/> watching for the next loop before it parks, so within a forward pass, whose loops
/// are microseconds apart, it is already running when the next one opens; a thread-pool work item queued per
/// loop has to wake a thread each time, which on a loaded machine often arrives after the caller has claimed
/// everything (the OpenMP/GOMP spin-count and OpenBLAS thread-server design).
/// </summary>
internal static class HelperThreads
{
    /// <summary>How long an idle helper spins before it parks: an idle process stops burning a core this soon after its last loop.</summary>
    public static readonly TimeSpan SpinBudget = TimeSpan.FromMicroseconds(200);

    // Loops with unclaimed items, one slot per calling thread while its loop is open; callers past the last slot run alone.
    private static readonly ClaimingParallelFor?[] s_open = new ClaimingParallelFor?[8];
    private static readonly long s_spinTicks = (long)(SpinBudget.TotalSeconds * Stopwatch.Frequency);
    private static readonly int s_maxHelpers = Math.Max(0, Environment.ProcessorCount - 1);
    private static readonly SemaphoreSlim s_wake = new(0);
    private static readonly Lock s_startLock = new();
    private static int s_started;
    // Helpers that announced they park and that no caller has woken yet; a caller that decrements it releases s_wake once.
    private static int s_parked;

    /// <summary>Offers an open loop to up to <paramref name="helpers"/> helpers; returns the slot to pass to <see cref="Close"/>, or −1 when all slots are taken.</summary>
    public static int Open(ClaimingParallelFor loop, int helpers)
    {
        helpers = Math.Min(helpers, s_maxHelpers);
        if (helpers <= 0) return -1;
        if (Volatile.Read(ref s_started) < helpers) Start(helpers);
        for (int slot = 0; slot < s_open.Length; slot++)
        {
            if (Interlocked.CompareExchange(ref s_open[slot], loop, null) is null)
            {
                Wake(helpers);
                return slot;
            }
        }
        return -1;
    }

    /// <summary>Withdraws a loop whose items are all claimed.</summary>
    public static void Close(int slot)
    {
        if (slot >= 0) Volatile.Write(ref s_open[slot], null);
    }

    // The slot was written with a full fence before s_parked is read here, and a parking helper increments
    // s_parked with a full fence before it looks at the slots, so one of the two sees the other.
    private static void Wake(int helpers)
    {
        while (helpers > 0)
        {
            int parked = Volatile.Read(ref s_parked);
            if (parked == 0) return;
            if (Interlocked.CompareExchange(ref s_parked, parked - 1, parked) != parked) continue;
            s_wake.Release();
            helpers--;
        }
    }

    private static void Start(int helpers)
    {
        lock (s_startLock)
        {
            for (int index = s_started; index < helpers; index++)
            {
                new Thread(HelperLoop) { IsBackground = true, Name = $"Kefu.Numerics helper {index + 1}" }.Start(index);
                Volatile.Write(ref s_started, index + 1);
            }
        }
    }

    private static void HelperLoop(object? index)
    {
        int first = (int)index! % s_open.Length;
        long idleSince = Stopwatch.GetTimestamp();
        while (true)
        {
            if (HelpOpenLoops(first))
            {
                idleSince = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetTimestamp() - idleSince < s_spinTicks)
            {
                Thread.SpinWait(8);
            }
            else
            {
                Park();
                idleSince = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>One pass over the slots, helpers starting at different ones; whether any item ran.</summary>
    private static bool HelpOpenLoops(int first)
    {
        bool helped = false;
        for (int i = 0; i < s_open.Length; i++)
        {
            var loop = Volatile.Read(ref s_open[(first + i) % s_open.Length]);
            if (loop is not null) helped |= loop.Help();
        }
        return helped;
    }

    private static void Park()
    {
        Interlocked.Increment(ref s_parked);
        if (AnyOpen())
        {
            // take the announcement back, unless a caller already took it and releases s_wake for it
            int parked;
            while ((parked = Volatile.Read(ref s_parked)) > 0)
            {
                if (Interlocked.CompareExchange(ref s_parked, parked - 1, parked) == parked) return;
            }
        }
        s_wake.Wait();
    }

    private static bool AnyOpen()
    {
        for (int slot = 0; slot < s_open.Length; slot++)
        {
            if (Volatile.Read(ref s_open[slot]) is not null) return true;
        }
        return false;
    }
}
