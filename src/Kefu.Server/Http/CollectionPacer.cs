namespace Kefu.Server.Http;

/// <summary>
/// Starts a gen-1 garbage collection once the process has allocated <c>budgetBytes</c> since the last one, at a
/// moment when no request is in flight (or, under sustained load, once four budgets are spent): many short pauses
/// instead of a few long ones, each of them copying only what outlives the requests.
/// A collection's pause grows with the bytes it copies: the conversations touched since the one before (their new
/// state) and everything the requests in flight hold. The runtime sizes its own gen-0 budget from the CPU cache
/// (~14 MB on the benchmark VM): at 3,000 turns/s that was a pause of 12–15 ms every ~130 ms and a gen-1 one of
/// ~30 ms every ~500 ms, so p99 was the pause. The runtime takes a smaller budget only from the environment
/// (DOTNET_GCgen0size; runtimeconfig.json has no such setting), which the server cannot set for itself.
/// Gen 1 rather than gen 0: a turn's new state lives until the conversation's next turn, so it would survive a gen-0
/// collection and pile up in gen 1 for the runtime's own (longer, and at a busy moment) gen-1 collection; collecting
/// gen 1 every time keeps it small (paced at ~3,500 requests/s: p99 8–11 ms against 11–14, total pause ~12 % less).
/// Figures in docs/benchmarks.md.
/// </summary>
public sealed class CollectionPacer(long budgetBytes)
{
    private const int BudgetsBeforeForced = 4;
    private long mark = GC.GetTotalAllocatedBytes();
    private int collections = GC.CollectionCount(0);
    private int inFlight;
    private int busy;

    private long Spent => GC.GetTotalAllocatedBytes() - Volatile.Read(ref mark);

    /// <summary>Call as a request comes in; <see cref="Leave"/> once its response has gone out.</summary>
    public void Enter() => Interlocked.Increment(ref inFlight);

    /// <summary>
    /// The request has been answered: collects if the budget is spent and nothing else is in flight. True when the
    /// budget starts again (a collection ran, ours or the runtime's).
    /// </summary>
    public bool Leave()
    {
        var others = Interlocked.Decrement(ref inFlight);
        var spent = Spent;
        if (spent < budgetBytes || others > 0 && spent < BudgetsBeforeForced * budgetBytes) return false;
        // Several requests may finish at once: the first one collects.
        if (Interlocked.Exchange(ref busy, 1) == 1) return false;
        try
        {
            // No collection of our own when the runtime has started one since the last look.
            if (GC.CollectionCount(0) == collections) GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            collections = GC.CollectionCount(0);
            Volatile.Write(ref mark, GC.GetTotalAllocatedBytes());
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }
}
