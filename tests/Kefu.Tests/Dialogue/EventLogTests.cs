using Kefu.Dialogue.Tracking;

namespace Kefu.Tests.Dialogue;

public class EventLogTests
{
    private static ActionExecuted A(int i) => new($"a{i}");

    private static string Names(EventLog log) => string.Join(",", log.Select(e => ((ActionExecuted)e).Name));

    [Fact]
    public void Every_version_keeps_its_events_when_later_versions_append_or_branch()
    {
        var versions = new List<EventLog> { EventLog.Empty };
        for (int i = 0; i < 40; i++) versions.Add(versions[^1].Add(A(i)));
        var branch = versions[10].Add(A(100)).Add(A(101));   // version 10 no longer ends the shared array
        var longer = versions[^1].Add(A(40));

        for (int n = 0; n <= 40; n++)
            Assert.Equal(string.Join(",", Enumerable.Range(0, n).Select(i => $"a{i}")), Names(versions[n]));
        Assert.Equal("a0,a1,a2,a3,a4,a5,a6,a7,a8,a9,a100,a101", Names(branch));
        Assert.Equal(41, longer.Count);
        Assert.Equal("a40", ((ActionExecuted)longer[40]).Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => versions[5][5]);
    }

    [Fact]
    public void Threads_appending_to_one_version_each_get_their_own_list()
    {
        var start = EventLog.Empty.Add(A(0));
        var results = new EventLog[8];
        Parallel.For(0, results.Length, t =>
        {
            var log = start;
            for (int i = 0; i < 1000; i++) log = log.Add(new ActionExecuted($"t{t}-{i}"));
            results[t] = log;
        });
        for (int t = 0; t < results.Length; t++)
        {
            Assert.Equal(1001, results[t].Count);
            for (int i = 0; i < 1000; i++) Assert.Equal($"t{t}-{i}", ((ActionExecuted)results[t][i + 1]).Name);
        }
    }

    [Fact]
    public void A_forgetting_version_reads_older_events_through_its_loader_and_appends_apart()
    {
        var log = EventLog.Empty;
        for (int i = 0; i < 75; i++) log = log.Add(A(i));
        int loads = 0;
        var forgetting = log.Forget(70, () => { loads++; return log; });

        Assert.Equal(64, forgetting.FirstInMemory);                  // whole chunks only
        Assert.Equal("a70", ((ActionExecuted)forgetting[70]).Name);
        Assert.Equal(0, loads);
        Assert.Equal("a3", ((ActionExecuted)forgetting[3]).Name);
        Assert.Equal(1, loads);
        Assert.Equal(Names(log), Names(forgetting));
        Assert.Equal(1, loads);                                       // loaded once

        var fromOld = log.Add(A(100));
        var fromNew = forgetting.Add(A(200));
        Assert.Equal("a100", ((ActionExecuted)fromOld[75]).Name);
        Assert.Equal("a200", ((ActionExecuted)fromNew[75]).Name);
        Assert.Equal(64, fromNew.FirstInMemory);
        Assert.Same(forgetting, forgetting.Forget(40, () => log));    // nothing more to forget

        var prefix = fromNew.Prefix(66).Add(A(300));
        Assert.Equal("a64,a65,a300", string.Join(",", Enumerable.Range(64, 3).Select(i => ((ActionExecuted)prefix[i]).Name)));
        Assert.Equal("a200", ((ActionExecuted)fromNew[75]).Name);
        Assert.Equal("a0,a1,a2", Names(forgetting.Prefix(3)));

        var branch = fromNew.Branch(A(400)).Add(A(401));           // copies only the chunks in memory
        Assert.Equal("a64,a65,a66", string.Join(",", Enumerable.Range(64, 3).Select(i => ((ActionExecuted)branch[i]).Name)));
        Assert.Equal("a200,a400,a401", string.Join(",", Enumerable.Range(75, 3).Select(i => ((ActionExecuted)branch[i]).Name)));
        Assert.Equal("a3", ((ActionExecuted)branch[3]).Name);
        var longer = branch;
        for (int i = 0; i < 70; i++) longer = longer.Add(A(500 + i));   // grows the table past its first chunks
        Assert.Equal("a569", ((ActionExecuted)longer[147]).Name);
        Assert.Equal("a401", ((ActionExecuted)longer[77]).Name);
    }

    [Fact]
    public void A_branch_leaves_the_free_slots_to_the_line_it_came_from()
    {
        var log = EventLog.Empty.Add(A(0)).Add(A(1));
        var supposed = log.Branch(A(100)).Add(A(101));
        var next = log.Add(A(2));

        Assert.True(next.SharesChunksWith(log));          // appended in place
        Assert.False(supposed.SharesChunksWith(log));
        Assert.Equal("a0,a1,a100,a101", Names(supposed));
        Assert.Equal("a0,a1,a2", Names(next));
        Assert.False(log.Add(A(3)).SharesChunksWith(log)); // an Add where another Add was first has to copy
    }
}
