using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Storage;

namespace Kefu.Server.Tests;

/// <summary>The IEventStore contract; every store runs the same tests (in memory, SQLite, PostgreSQL).</summary>
public abstract class EventStoreContract
{
    protected abstract IEventStore Store { get; }

    protected static StoredEvent Event(string type, int n) =>
        new(type, $$"""{"n":{{n}},"text":"第{{n}}条"}""", new DateTimeOffset(2026, 11, 22, 8, 0, n % 60, TimeSpan.FromHours(8)));

    [SkippableFact]
    public async Task Events_round_trip_whole()
    {
        StoredEvent[] events = [Event("user", 1), Event("bot", 2)];
        await Store.AppendAsync("c1", events);

        Assert.Equal(events, await Store.LoadAsync("c1"));
        Assert.Equal(TimeSpan.FromHours(8), (await Store.LoadAsync("c1"))[0].Timestamp.Offset);
    }

    [SkippableFact]
    public async Task Feedback_events_round_trip_as_the_engine_wrote_them()
    {
        var at = new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
        DialogueEvent[] events = [new MessageFeedback(1, Up: false) { Timestamp = at }, new ConversationRated(4, "物流很快 \"好\"") { Timestamp = at }];
        await Store.AppendAsync("fb", events.Select(RasaEventJson.ToStored).ToList());

        var stored = await Store.LoadAsync("fb");
        Assert.Equal(["feedback", "rating"], stored.Select(e => e.Type));
        Assert.Equal(events, stored.Select(RasaEventJson.FromStored));
    }

    [SkippableFact]
    public async Task Unknown_conversation_is_empty()
    {
        Assert.Empty(await Store.LoadAsync("nobody"));
        Assert.Empty(await Store.ListConversationsAsync());
    }

    [SkippableFact]
    public async Task Appends_keep_their_order_and_conversations_keep_apart()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.AppendAsync("a", [Event("user", i * 2), Event("bot", i * 2 + 1)]);
            await Store.AppendAsync("b", [Event("user", 100 + i)]);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(n => Event(n % 2 == 0 ? "user" : "bot", n)), await Store.LoadAsync("a"));
        Assert.Equal(Enumerable.Range(100, 5).Select(n => Event("user", n)), await Store.LoadAsync("b"));
        Assert.Equal(["a", "b"], await Store.ListConversationsAsync());
    }

    [SkippableFact]
    public async Task Concurrent_appends_to_many_conversations_all_land_in_order()
    {
        const int conversations = 64, turns = 20;
        await Parallel.ForEachAsync(Enumerable.Range(0, conversations), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (c, _) =>
            {
                for (var t = 0; t < turns; t++)
                    await Store.AppendAsync($"c{c}", [Event("user", 2 * t), Event("bot", 2 * t + 1)]);
            });

        Assert.Equal(conversations, (await Store.ListConversationsAsync()).Count);
        for (var c = 0; c < conversations; c++)
            Assert.Equal(Enumerable.Range(0, 2 * turns).Select(n => Event(n % 2 == 0 ? "user" : "bot", n)), await Store.LoadAsync($"c{c}"));
    }

    [SkippableFact]
    public async Task Concurrent_appends_to_one_conversation_never_interleave()
    {
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => Store.AppendAsync("shared", [Event("user", i), Event("bot", i), Event("slot", i)]))));

        var events = await Store.LoadAsync("shared");
        Assert.Equal(150, events.Count);
        for (var i = 0; i < events.Count; i += 3)
        {
            Assert.Equal(["user", "bot", "slot"], events.Skip(i).Take(3).Select(e => e.Type));
            Assert.Single(events.Skip(i).Take(3).Select(e => e.Json).Distinct());
        }
    }

    [SkippableFact]
    public async Task Ranges_are_read_forward_and_backward_across_appends()
    {
        // Appends of 1, 3, 2 and 4 events: ranges start and end inside them.
        var n = 0;
        foreach (var size in new[] { 1, 3, 2, 4 })
            await Store.AppendAsync("c", Enumerable.Range(0, size).Select(_ => Event(n % 4 == 0 ? "user" : "bot", n++)).ToList());

        Assert.Equal(10, await Store.CountAsync("c"));
        Assert.Equal(0, await Store.CountAsync("none"));
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], await Numbers(Store.ReadAsync("c", 2)));
        Assert.Equal(Enumerable.Range(0, 10), await Numbers(Store.ReadAsync("c")));
        Assert.Empty(await Numbers(Store.ReadAsync("c", 10)));
        Assert.Equal([4, 3, 2, 1, 0], await Numbers(Store.ReadBackwardAsync("c", 5)));
        Assert.Equal(Enumerable.Range(0, 10).Reverse(), await Numbers(Store.ReadBackwardAsync("c", 99)));
        Assert.Equal(4, await Store.LastIndexOfAsync("c", ["user"], 8));
        Assert.Equal(8, await Store.LastIndexOfAsync("c", ["user"], 9));
        Assert.Equal(3, await Store.LastIndexOfAsync("c", ["bot", "restart"], 4));
        Assert.Equal(-1, await Store.LastIndexOfAsync("c", ["restart"], 10));
        Assert.Equal(-1, await Store.LastIndexOfAsync("none", ["user"], 10));
    }

    [SkippableFact]
    public async Task A_reader_that_stops_early_holds_nothing_up()
    {
        await Store.AppendAsync("c", [Event("user", 0), Event("bot", 1)]);
        await foreach (var _ in Store.ReadAsync("c"))
            break;

        await Store.AppendAsync("c", [Event("user", 2)]);
        Assert.Equal(3, await Store.CountAsync("c"));
    }

    [SkippableFact]
    public async Task A_fenced_append_lands_only_on_the_count_it_expects()
    {
        await Store.AppendAsync("c", [Event("user", 0)]);

        await Store.AppendExpectingAsync("c", 1, [Event("bot", 1)]);
        var stale = await Assert.ThrowsAsync<ConversationChangedException>(() => Store.AppendExpectingAsync("c", 1, [Event("bot", 9)]));
        Assert.Contains("has 2 events, not the 1", stale.Message);
        Assert.Equal([Event("user", 0), Event("bot", 1)], await Store.LoadAsync("c"));
    }

    private static async Task<List<int>> Numbers(IAsyncEnumerable<StoredEvent> events)
    {
        var numbers = new List<int>();
        await foreach (var e in events)
            numbers.Add(System.Text.Json.JsonDocument.Parse(e.Json).RootElement.GetProperty("n").GetInt32());
        return numbers;
    }
}

public sealed class InMemoryEventStoreTests : EventStoreContract
{
    protected override IEventStore Store { get; } = new InMemoryEventStore();
}

public sealed class SqliteEventStoreTests : EventStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-store-").FullName;
    private readonly SqliteEventStore _store;

    public SqliteEventStoreTests() => _store = new SqliteEventStore(DatabasePath);

    private string DatabasePath => Path.Combine(_directory, "nested", "conversations.db");

    protected override IEventStore Store => _store;

    [Fact]
    public async Task Events_survive_a_restart_and_appends_continue_after_them()
    {
        await _store.AppendAsync("c", [Event("user", 1)]);
        _store.Dispose();

        using (var reopened = new SqliteEventStore(DatabasePath))
        {
            Assert.Equal([Event("user", 1)], await reopened.LoadAsync("c"));
            await reopened.AppendAsync("c", [Event("bot", 2)]);
        }
        using var third = new SqliteEventStore(DatabasePath);
        Assert.Equal([Event("user", 1), Event("bot", 2)], await third.LoadAsync("c"));
    }

    [Fact]
    public async Task An_acknowledged_append_is_in_the_file_before_the_store_is_closed()
    {
        await _store.AppendAsync("c", [Event("user", 1), Event("bot", 2)]);

        // A second store on the same file stands in for a restarted process: nothing was flushed on close.
        using var other = new SqliteEventStore(DatabasePath);
        Assert.Equal([Event("user", 1), Event("bot", 2)], await other.LoadAsync("c"));
    }

    [Fact]
    public async Task After_a_clean_stop_the_database_file_alone_holds_every_event()
    {
        // Another connection open on the file (a backup tool, sqlite3 in a terminal) keeps SQLite from checkpointing by itself at close.
        using var onlooker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        onlooker.Open();
        using (var look = onlooker.CreateCommand())
        {
            look.CommandText = "SELECT count(*) FROM appends";
            look.ExecuteScalar();
        }
        await _store.AppendAsync("c", [Event("user", 1), Event("bot", 2)]);
        _store.Dispose();

        var wal = new FileInfo(DatabasePath + "-wal");
        Assert.True(!wal.Exists || wal.Length == 0, $"the -wal file holds {wal.Length} bytes");
        var copy = Path.Combine(_directory, "copy.db");
        File.Copy(DatabasePath, copy);
        using var fromCopy = new SqliteEventStore(copy);
        Assert.Equal([Event("user", 1), Event("bot", 2)], await fromCopy.LoadAsync("c"));
    }

    [Fact]
    public async Task A_sound_file_passes_the_integrity_check()
    {
        await _store.AppendAsync("c", [Event("user", 1)]);

        Assert.Null(_store.CheckIntegrity());
    }

    [Fact]
    public async Task A_row_is_json_text_that_sqlite_itself_can_read()
    {
        await _store.AppendAsync("c", [Event("user", 1), Event("bot", 2)]);

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT typeof(events), json_extract(events, '$[1].type'), json_extract(events, '$[1].timestamp'), json_extract(events, '$[1].event.text') FROM appends";
        using var row = query.ExecuteReader();
        Assert.True(row.Read());
        Assert.Equal(["text", "bot", "2026-11-22T08:00:02.0000000+08:00", "第2条"], [row.GetString(0), row.GetString(1), row.GetString(2), row.GetString(3)]);
    }

    [Fact]
    public async Task A_failing_append_stores_nothing_and_does_not_harm_its_neighbours()
    {
        var broken = new StoredEvent(null!, "{}", DateTimeOffset.UnixEpoch);
        var good = Enumerable.Range(0, 20).Select(i => _store.AppendAsync($"ok{i}", [Event("user", i)])).ToList();
        var failing = _store.AppendAsync("bad", [Event("user", 1), broken]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await Task.WhenAll(good);
        Assert.Empty(await _store.LoadAsync("bad"));
        Assert.Equal(20, (await _store.ListConversationsAsync()).Count);
    }

    [Fact]
    public async Task Append_after_dispose_throws()
    {
        _store.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _store.AppendAsync("c", [Event("user", 1)]));
    }

    [Fact]
    public void Unusable_path_says_which_file()
    {
        var blocker = Path.Combine(_directory, "file");
        File.WriteAllText(blocker, "");
        var error = Assert.Throws<ConversationStoreException>(() => new SqliteEventStore(Path.Combine(blocker, "x.db")));
        Assert.Contains(blocker, error.Message);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-schema-").FullName;

    [Fact]
    public void A_database_from_a_newer_kefu_is_refused_with_its_version()
    {
        var path = Path.Combine(_directory, "newer.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<ConversationStoreException>(() => new SqliteEventStore(path));
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task A_version_1_database_keeps_its_events_and_takes_new_ones_after_them()
    {
        var path = Path.Combine(_directory, "v1.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE events (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
                    json TEXT NOT NULL, timestamp TEXT NOT NULL, PRIMARY KEY (conversation_id, seq)) WITHOUT ROWID;
                INSERT INTO events VALUES ('c', 0, 'user', '{"text":"你好"}', '2026-11-22T08:00:00.0000000+08:00');
                INSERT INTO events VALUES ('c', 1, 'bot', '{"text":"您好"}', '2026-11-22T08:00:01.0000000+08:00');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using (var store = new SqliteEventStore(path))
        {
            await store.AppendAsync("c", [new StoredEvent("user", """{"text":"再见"}""", DateTimeOffset.UnixEpoch)]);
            var events = await store.LoadAsync("c");
            Assert.Equal(["user", "bot", "user"], events.Select(e => e.Type));
            Assert.Equal("""{"text":"你好"}""", events[0].Json);
            Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 1, TimeSpan.FromHours(8)), events[1].Timestamp);
            Assert.Equal("""{"text":"再见"}""", events[2].Json);
        }
        using (var reopened = new SqliteEventStore(path))
            Assert.Equal(3, (await reopened.LoadAsync("c")).Count);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
