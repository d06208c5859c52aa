using System.Diagnostics;

namespace Kefu.Numerics;

/// <summary>
/// Persistent background threads, at most one per core beyond the caller's, that help the open
/// <see cref="ClaimingParallelFor"/> loops of every calling thread. An idle helper keeps polling for up to
/// <see cref="SpinBudget"/> before it parks (the OpenMP spin-count and OpenBLAS thread-server design), so within a
/// forward pass, whose loops are microseconds apart, it is already running when the next loop opens instead of
/// being woken for each one, as a thread-pool work item per loop would be (which also queues behind a
/// server's requests). It parks at once when it sees that the OS gave its core to another thread: with more
/// runnable threads than cores, spinning only takes turns from the others, the caller among them.
/// </summary>
internal static class HelperThreads
{
    /// <summary>How long an idle helper spins before it parks: an idle process stops burning a core this soon after its last loop.</summary>
    public static readonly TimeSpan SpinBudget = TimeSpan.FromMicroseconds(100);

    // Loops with unclaimed items, one slot per calling thread while its loop is open; callers past the last slot run alone.
    private static readonly ClaimingParallelFor?[] s_open = new ClaimingParallelFor?[8];
    private static readonly long s_spinTicks = (long)(SpinBudget.TotalSeconds * Stopwatch.Frequency);
    private static readonly long s_pauseTicks = Stopwatch.Frequency / 100_000; // 10 µs
    private static readonly long s_preemptedTicks = Stopwatch.Frequency / 50_000; // 20 µs
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

    /// <summary>Withdraws a loop whose items are all claimed (or that failed).</summary>
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
                // UnsafeStart: the first caller's ExecutionContext (a request's AsyncLocals) must not live on in the helper
                new Thread(HelperLoop) { IsBackground = true, Name = $"Kefu.Numerics helper {index + 1}" }.UnsafeStart(index);
                Volatile.Write(ref s_started, index + 1);
            }
        }
    }

    private static void HelperLoop(object? index)
    {
        int first = (int)index! % s_open.Length;
        long idleSince = Stopwatch.GetTimestamp(), lastPoll = idleSince;
        while (true)
        {
            if (HelpOpenLoops(first))
            {
                idleSince = lastPoll = Stopwatch.GetTimestamp();
                continue;
            }
            long now = Stopwatch.GetTimestamp();
            // A poll that took this long means the OS ran another thread on this core: on a machine with more
            // runnable threads than cores a spinning helper only takes turns from them (the caller among them), so it parks.
            if (now - idleSince >= s_spinTicks || now - lastPoll >= s_preemptedTicks)
            {
                Park();
                idleSince = lastPoll = Stopwatch.GetTimestamp();
                continue;
            }
            lastPoll = now;
            // pause through the usual gap between a forward pass's loops; past it, yield between polls, which
            // returns at once unless another thread waits for this core
            if (now - idleSince < s_pauseTicks) Thread.SpinWait(8);
            else Thread.Yield();
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
        if (AnyWantsHelp())
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

    // a loop whose seats are all taken keeps no further helper spinning
    private static bool AnyWantsHelp()
    {
        for (int slot = 0; slot < s_open.Length; slot++)
        {
            if (Volatile.Read(ref s_open[slot]) is { WantsHelp: true }) return true;
        }
        return false;
    }
}
