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
}
