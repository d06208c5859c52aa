namespace Kefu.Numerics.Ops;

/// <summary>An op's work on one contiguous range [start, end) of its rows or elements.</summary>
internal interface IChunkJob
{
    void Run(int start, int end);
}

/// <summary>
/// Splits [0, count) into fixed chunks run on up to <see cref="Gemm.MaxThreads"/> threads, without allocating.
/// Chunk boundaries depend only on count and the grain, so a job whose chunks write disjoint outputs gives
/// the same bits whatever the thread count. One instance per calling thread.
/// </summary>
internal sealed class ParallelChunks
{
    [ThreadStatic] private static ParallelChunks? current;

    private readonly ClaimingParallelFor loop = new();
    private readonly Action<int> runChunk;
    private IChunkJob? job;
    private int count, chunk;

    private ParallelChunks() => runChunk = RunChunk;

    /// <param name="grain">Items per chunk; small enough to balance two threads, large enough to pay for a hand-off.</param>
    public static void Run(IChunkJob job, int count, int grain)
    {
        int chunks = (count + grain - 1) / grain;
        if (chunks <= 1 || Gemm.MaxThreads <= 1)
        {
            job.Run(0, count);
            return;
        }
        var self = current ??= new ParallelChunks();
        (self.job, self.count, self.chunk) = (job, count, grain);
        self.loop.Run(chunks, Gemm.MaxThreads, self.runChunk);
        self.job = null;
    }

    private void RunChunk(int index) => job!.Run(index * chunk, Math.Min(count, (index + 1) * chunk));
}
