using Kefu.Server.Http;

namespace Kefu.Server.Tests;

/// <summary>Alone: the pacer reads the process's allocation counter, which tests running beside it would move.</summary>
[CollectionDefinition(nameof(CollectionPacerTests), DisableParallelization = true)]
public sealed class AllocationCounterCollection;

[Collection(nameof(CollectionPacerTests))]
public class CollectionPacerTests
{
    private const int Budget = 256 * 1024;
    private const int Margin = 64 * 1024;   // GC.GetTotalAllocatedBytes lags by what the allocation contexts hold

    private static void Spend(int bytes)
    {
        var garbage = new List<byte[]>();
        for (int i = 0; i < bytes / 8192; i++) garbage.Add(new byte[8192]);
        GC.KeepAlive(garbage);
    }

    [Fact]
    public void Collects_once_the_budget_is_spent_and_nothing_else_is_in_flight()
    {
        int start = GC.CollectionCount(0);
        var pacer = new CollectionPacer(Budget);
        pacer.Enter();
        Assert.False(pacer.Leave());                        // nothing spent yet

        pacer.Enter();
        pacer.Enter();
        Spend(2 * Budget);
        Assert.False(pacer.Leave());                        // spent, but another request is still in flight
        Assert.True(pacer.Leave());                         // the last one out collects (or finds the runtime did)
        Assert.True(GC.CollectionCount(0) > start);

        pacer.Enter();
        Assert.False(pacer.Leave());                        // the budget started again
    }

    [Fact]
    public void Under_sustained_load_collects_after_four_budgets_even_with_requests_in_flight()
    {
        var pacer = new CollectionPacer(Budget);
        pacer.Enter();
        pacer.Enter();
        pacer.Enter();
        Spend(2 * Budget);
        Assert.False(pacer.Leave());
        Spend(2 * Budget + Margin);
        Assert.True(pacer.Leave());                         // one request still in flight
        Assert.False(pacer.Leave());
    }
}
