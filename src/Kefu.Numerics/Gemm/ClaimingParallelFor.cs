namespace Kefu.Numerics;

/// <summary>
/// A reusable parallel loop for one calling thread: the caller runs items itself while up to threads−1
/// <see cref="HelperThreads"/> claim items as they arrive. On a busy machine a helper that starts late finds
/// nothing left and returns, so the caller never waits for a thread that never ran, only for items already
/// claimed (Parallel.For waits for every replica it started, which costs milliseconds on an oversubscribed
/// box). A late helper may join the caller's next loop instead; that changes who computes an item, never its result.
/// </summary>
internal sealed class ClaimingParallelFor
{
    // Generation in the high 32 bits, next unclaimed item in the low 32: one CAS both claims an item and
    // checks that the loop it belongs to is still the open one.
    private long _state;
    private int _count;
    private int _completed;
    private int _seats; // helpers that may still join this loop
    private Action<int>? _body;
    private int _callerBlocked; // 1 while the caller sleeps on _doneLock until _awaited items have completed
    private int _awaited;
    // Monitor rather than ManualResetEventSlim, whose lock object is created on its first blocking wait: that
    // allocation landed in whichever step first waited, sometimes a measured one.
    private readonly object _doneLock = new();

    /// <summary>Runs body(0 .. count−1), each item exactly once, and returns when all have finished.</summary>
    public void Run(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int item = 0; item < count; item++) body(item);
            return;
        }
        // Close the previous loop before touching its fields: a late helper's CAS on the old state then fails.
        int generation = (int)(Volatile.Read(ref _state) >> 32) + 1;
        Interlocked.Exchange(ref _state, ((long)generation << 32) | int.MaxValue);
        int helpers = Math.Min(threads, count) - 1;
        _body = body;
        _count = count;
        _completed = 0;
        _seats = helpers;
        Volatile.Write(ref _state, (long)generation << 32);
        int slot = HelperThreads.Open(this, helpers);
        try
        {
            Claim(generation);
        }
        catch
        {
            // no further claims; the items helpers are running still use the caller's data, so wait for them
            // (all claimed items but the one that threw), and a late one cannot count towards the next loop
            long claimed = Interlocked.Exchange(ref _state, ((long)generation << 32) | (uint)count);
            HelperThreads.Close(slot);
            WaitForCompleted(Math.Min((int)claimed, count) - 1);
            throw;
        }
        HelperThreads.Close(slot);
        WaitForCompleted(count);
    }

    // Only items a helper already claimed are left; they finish within microseconds unless the OS preempted
    // that helper, so spin first and sleep after.
    private void WaitForCompleted(int items)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _completed) != items)
        {
            if (spin.Count < 100)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            lock (_doneLock)
            {
                _awaited = items;
                // full fence: either the last helper sees the flag or this thread sees its count
                Interlocked.Exchange(ref _callerBlocked, 1);
                while (Volatile.Read(ref _completed) != items) Monitor.Wait(_doneLock);
                _callerBlocked = 0;
            }
        }
    }

    /// <summary>Whether a helper arriving now would find a seat and an unclaimed item.</summary>
    internal bool WantsHelp => (int)Volatile.Read(ref _state) < Volatile.Read(ref _count) && Volatile.Read(ref _seats) > 0;

    /// <summary>A helper thread's visit: claims items of the open loop if a seat is left; whether it ran any.</summary>
    internal bool Help()
    {
        if (!WantsHelp || Interlocked.Decrement(ref _seats) < 0) return false;
        // read again: the seat may be the next loop's, reset since the first read
        return Claim((int)(Volatile.Read(ref _state) >> 32));
    }

    private bool Claim(int generation)
    {
        bool ran = false;
        while (true)
        {
            long state = Volatile.Read(ref _state);
            if ((int)(state >> 32) != generation) return ran;
            int item = (int)state;
            if (item == int.MaxValue)
            {
                Thread.SpinWait(1); // the caller is opening this generation
                continue;
            }
            if (item >= _count) return ran;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            _body!(item);
            ran = true;
            // a stale wake-up after the caller moved on is harmless: it waits in a loop on the count
            if (Interlocked.Increment(ref _completed) == Volatile.Read(ref _awaited) && Volatile.Read(ref _callerBlocked) == 1)
            {
                lock (_doneLock) Monitor.PulseAll(_doneLock);
            }
        }
    }
}
