namespace Kefu.Server.Http;

/// <summary>
/// Starts a gen-0 garbage collection once the process has allocated <c>budgetBytes</c> since the last one (looked at
/// as a request comes in, collected once its response has gone out): many short pauses instead of a few long ones.
/// A collection's pause grows with the conversations touched since the one before (their new state is copied out of
/// gen 0), and the runtime sizes its own gen-0 budget from the CPU cache (~14 MB on the benchmark VM): at 3,000 turns/s
/// that was a pause of 12–15 ms every ~130 ms and a gen-1 one of ~30 ms every ~500 ms, so p99 was the pause. The
/// runtime takes a smaller budget only from the environment (DOTNET_GCgen0size; runtimeconfig.json has no such
/// setting), which the server cannot set for itself. Figures in docs/benchmarks.md.
/// </summary>
public sealed class CollectionPacer(long budgetBytes)
{
    private long mark = GC.GetTotalAllocatedBytes();
    private int collections = GC.CollectionCount(0);
    private int busy;

    /// <summary>Whether the budget is spent: cheap enough to ask at every request.</summary>
    public bool Due => GC.GetTotalAllocatedBytes() - Volatile.Read(ref mark) >= budgetBytes;

    public void Collect()
    {
        // Several requests may have seen the budget spent: the first one collects.
        if (!Due || Interlocked.Exchange(ref busy, 1) == 1) return;
        try
        {
            // No collection of our own when the runtime has started one since the last look.
            if (GC.CollectionCount(0) == collections) GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            collections = GC.CollectionCount(0);
            Volatile.Write(ref mark, GC.GetTotalAllocatedBytes());
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }
}
