using Kefu.Server.Http;

namespace Kefu.Server.Tests;

public class CollectionPacerTests
{
    [Fact]
    public void Collects_once_the_budget_is_spent_and_starts_counting_again()
    {
        var pacer = new CollectionPacer(budgetBytes: 256 * 1024);
        int start = GC.CollectionCount(0);
        pacer.Collect();                                    // nothing spent yet: no collection
        Assert.Equal(start, GC.CollectionCount(0));
        Assert.False(pacer.Due);

        var garbage = new List<byte[]>();
        for (int i = 0; i < 64; i++) garbage.Add(new byte[8 * 1024]);
        GC.KeepAlive(garbage);
        Assert.True(pacer.Due);

        int before = GC.CollectionCount(0);
        pacer.Collect();
        Assert.True(GC.CollectionCount(0) > before);
        Assert.False(pacer.Due);
    }
}
