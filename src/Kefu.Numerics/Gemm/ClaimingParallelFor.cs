namespace Kefu.Numerics;

/// <summary>
/// A reusable parallel loop for one calling thread: the caller runs items itself while up to threads−1 pool
/// threads, queued without allocation, claim items as they arrive. On a busy machine a helper that starts
/// late finds nothing left and returns, so the caller never waits for a thread that never ran, only for items
/// already claimed (Parallel.For waits for every replica it started, which costs milliseconds on an
/// oversubscribed box). A late helper may join the caller's next loop instead; that changes who computes an
/// item, never its result.
/// </summary>
internal sealed class ClaimingParallelFor : IThreadPoolWorkItem
{
    // Generation in the high 32 bits, next unclaimed item in the low 32: one CAS both claims an item and
    // checks that the loop it belongs to is still the open one.
    private long _state;
    private int _count;
    private int _completed;
    private Action<int>? _body;
    private readonly ManualResetEventSlim _done = new(false, spinCount: 200);

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
        _body = body;
        _count = count;
        _completed = 0;
        _done.Reset();
        Volatile.Write(ref _state, (long)generation << 32);
        int helpers = Math.Min(threads, count) - 1;
        for (int h = 0; h < helpers; h++) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        Claim(generation);
        _done.Wait();
    }

    void IThreadPoolWorkItem.Execute() => Claim((int)(Volatile.Read(ref _state) >> 32));

    private void Claim(int generation)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            if ((int)(state >> 32) != generation) return;
            int item = (int)state;
            if (item >= _count) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            _body!(item);
            if (Interlocked.Increment(ref _completed) == _count) _done.Set();
        }
    }
}
