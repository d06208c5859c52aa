namespace Kefu.Numerics.Tests;

/// <summary>The parallel loop under every threaded op, and the helper threads that join it.</summary>
public class ClaimingParallelForTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)] // more threads than this machine has cores: the items still run once each
    public void Every_item_runs_exactly_once_in_every_loop(int threads)
    {
        var loop = new ClaimingParallelFor();
        var runs = new int[97];
        for (int count = 0; count <= runs.Length; count++)
        {
            Array.Clear(runs);
            loop.Run(count, threads, item => Interlocked.Increment(ref runs[item]));
            for (int item = 0; item < runs.Length; item++)
                Assert.True(runs[item] == (item < count ? 1 : 0), $"loop of {count}: item {item} ran {runs[item]} times");
        }
    }

    [Fact]
    public void Loops_opened_after_the_helpers_parked_run_every_item()
    {
        var loop = new ClaimingParallelFor();
        var runs = new int[64];
        for (int round = 0; round < 5; round++)
        {
            // well past the spin budget, so each loop has to wake a parked helper (or runs without one)
            Thread.Sleep(HelperThreads.SpinBudget * 20);
            Array.Clear(runs);
            loop.Run(runs.Length, 2, item => Interlocked.Increment(ref runs[item]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void More_concurrent_callers_than_helper_slots_each_run_their_items_once()
    {
        const int callers = 20, loops = 50, count = 33;
        var failures = 0;
        var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
        {
            var loop = new ClaimingParallelFor();
            var runs = new int[count];
            for (int l = 0; l < loops; l++)
            {
                Array.Clear(runs);
                loop.Run(count, 2, item => Interlocked.Increment(ref runs[item]));
                if (runs.Any(r => r != 1)) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(0, failures);
    }

    [Fact]
    public void An_item_that_throws_on_the_caller_ends_the_loop_and_the_next_loop_runs_normally()
    {
        var loop = new ClaimingParallelFor();
        int caller = Environment.CurrentManagedThreadId, started = 0, finished = 0;
        var error = Assert.Throws<InvalidOperationException>(() => loop.Run(200, 2, item =>
        {
            Interlocked.Increment(ref started);
            if (Environment.CurrentManagedThreadId == caller) throw new InvalidOperationException($"item {item}");
            Thread.SpinWait(2000);
            Interlocked.Increment(ref finished);
        }));
        Assert.StartsWith("item ", error.Message);
        Assert.Equal(started - 1, Volatile.Read(ref finished)); // every item a helper had started was waited for
        Assert.True(started < 200, $"{started} items started after the loop failed");

        var runs = new int[50];
        loop.Run(runs.Length, 2, item => Interlocked.Increment(ref runs[item]));
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void A_warm_loop_with_helpers_allocates_nothing_on_the_calling_thread()
    {
        var loop = new ClaimingParallelFor();
        var sums = new long[16];
        Action<int> body = item => sums[item] += item;
        void Run()
        {
            loop.Run(sums.Length, 2, body);
            Thread.Sleep(1); // the helper parks between some calls, so waking it is measured too
        }
        Run();
        var windows = Allocations.PerWindow(Run);
        Assert.True(windows.Min() == 0, $"bytes allocated per 3-loop window: {string.Join(", ", windows)}");
    }
}
