using Kefu.Server.Agents;

namespace Kefu.Server.Tests.Console;

public sealed class HandoffQueueTests
{
    [Fact]
    public async Task What_an_append_says_while_the_store_is_read_wins_over_the_older_read()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-queue-").FullName;
        var store = new Kefu.Dialogue.InMemoryEventStore();
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync("resumed-meanwhile", [new("pause", "{}", now)]);
        await store.AppendAsync("still-waiting", [new("user", "{\"text\":\"转人工\"}", now), new("pause", "{\"reason\":\"request_human\"}", now)]);
        await store.AppendAsync("handed-back", [new("pause", "{}", now), new("resume", "{}", now)]);
        using var meter = new System.Diagnostics.Metrics.Meter("test");
        var queue = new HandoffQueue(new ConsoleStore(Path.Combine(directory, "console.db")), TimeProvider.System, meter);

        queue.Appended("resumed-meanwhile", [new("resume", "{}", now)]);
        await queue.LoadAsync(store, CancellationToken.None);

        var entry = Assert.Single(queue.Snapshot());
        Assert.Equal(("still-waiting", "request_human"), (entry.ConversationId, entry.Reason));
        Assert.Equal(1, queue.UnclaimedCount);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_handoff_the_store_read_found_before_its_append_was_reported_is_announced_all_the_same()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-queue-").FullName;
        var inner = new Kefu.Dialogue.InMemoryEventStore();
        var pause = new Kefu.Dialogue.StoredEvent("pause", "{\"reason\":\"request_human\"}", DateTimeOffset.UtcNow);
        await inner.AppendAsync("new-handoff", [pause]);
        await inner.AppendAsync("other", [new("user", "{\"text\":\"你好\"}", DateTimeOffset.UtcNow)]);
        using var meter = new System.Diagnostics.Metrics.Meter("test");
        var queue = new HandoffQueue(new ConsoleStore(Path.Combine(directory, "console.db")), TimeProvider.System, meter);
        // The append's report (HandoffWatchingStore's, after the store has it) comes while the read is at the next conversation.
        var store = new ReportingLate(inner, "other", () => queue.Appended("new-handoff", [pause]));

        await queue.LoadAsync(store, CancellationToken.None);

        Assert.True(queue.NewHandoffs.TryRead(out var announced));
        Assert.Equal("new-handoff", announced);
        Assert.False(queue.NewHandoffs.TryRead(out _));

        // Reported after the read has finished: the same.
        await inner.AppendAsync("late-report", [pause]);
        var again = new HandoffQueue(new ConsoleStore(Path.Combine(directory, "console.db")), TimeProvider.System, meter);
        await again.LoadAsync(inner, CancellationToken.None);
        again.Appended("late-report", [pause]);
        Assert.True(again.NewHandoffs.TryRead(out announced));
        Assert.Equal("late-report", announced);
        // Only once; and a handoff from before the start that no append reports is not announced.
        again.Appended("late-report", [pause]);
        Assert.False(again.NewHandoffs.TryRead(out _));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Lists "new-handoff" then <paramref name="at"/>, and runs <paramref name="report"/> when the read counts the latter.</summary>
    private sealed class ReportingLate(Kefu.Dialogue.IEventStore inner, string at, Action report) : Kefu.Dialogue.IEventStore
    {
        public Task<IReadOnlyList<Kefu.Dialogue.StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default) => inner.LoadAsync(conversationId, ct);

        public Task AppendAsync(string conversationId, IReadOnlyList<Kefu.Dialogue.StoredEvent> events, CancellationToken ct = default) =>
            inner.AppendAsync(conversationId, events, ct);

        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<string>>(["new-handoff", at]);

        public Task<int> CountAsync(string conversationId, CancellationToken ct = default)
        {
            if (conversationId == at)
                report();
            return inner.CountAsync(conversationId, ct);
        }
    }
}
