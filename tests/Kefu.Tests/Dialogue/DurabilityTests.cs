using Kefu.Server.Storage;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>The agent over the real SQLite store: what it acknowledged survives a restart of the process.</summary>
public class DurabilityTests
{
    [Fact]
    public async Task A_restarted_bot_continues_the_conversation_from_sqlite()
    {
        using var folder = new TempProject("kefu-durable-");
        var db = folder.PathOf("conversations.db");
        using (var store = new SqliteEventStore(db))
        {
            new Chat(TinyShop.Agent(store), "c1")
                .Send("/greet").Expect("您好")
                .Send("/return_refund").Expect("订单号");
        }

        using (var reopened = new SqliteEventStore(db))
        {
            var agent = TinyShop.Agent(reopened);
            new Chat(agent, "c1")
                .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因")
                .Send("""/inform_reason{"reason": "质量问题"}""").Expect("退货已提交：DD20240101123");
            var events = await reopened.LoadAsync("c1");
            Assert.Equal(4, events.Count(e => e.Type == "user"));
            Assert.Equal(1, events.Count(e => e.Type == "session_started"));
        }
    }

    [Fact]
    public async Task A_long_conversation_reads_its_older_events_back_from_sqlite()
    {
        using var folder = new TempProject("kefu-long-");
        using var store = new SqliteEventStore(folder.PathOf("conversations.db"));   // disposed first: it lets go of the file
        var agent = TinyShop.Agent(store);
        var chat = new Chat(agent, "c-long");
        for (int i = 0; i < 30; i++) chat.Send("/greet").Expect("您好");

        // the cached tracker holds only its last turns: the tracker JSON reads the rest from the file
        var tracker = await agent.GetTrackerAsync("c-long");
        var events = tracker.GetProperty("events");
        Assert.Equal((await store.LoadAsync("c-long")).Count, events.GetArrayLength());
        Assert.Equal("session_started", events[1].GetProperty("event").GetString());
        Assert.Equal(30, events.EnumerateArray().Count(e => e.GetProperty("event").GetString() == "user"));
    }
}
