using System.Text;
using Kefu.Dialogue;
using Kefu.Server.Storage;

namespace Kefu.Server.Tests;

/// <summary>Erasure and the retention query, the same on every store (PostgreSQL skips without a server, as PostgresEventStoreTests does).</summary>
public abstract class PrivacyStoreContract
{
    protected abstract IEventStore Store { get; }

    protected static StoredEvent Event(string text, DateTimeOffset at) =>
        new("user", $$"""{"text":"{{text}}"}""", at);

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [SkippableFact]
    public async Task Deleting_removes_every_event_of_one_conversation_only()
    {
        await Store.AppendAsync("gone", [Event("a", Now), Event("b", Now)]);
        await Store.AppendAsync("gone", [Event("c", Now)]);
        await Store.AppendAsync("kept", [Event("d", Now)]);

        await Store.DeleteAsync("gone");

        Assert.Empty(await Store.LoadAsync("gone"));
        Assert.Equal(0, await Store.CountAsync("gone"));
        Assert.DoesNotContain("gone", await Store.ListConversationsAsync());
        Assert.Single(await Store.LoadAsync("kept"));
    }

    [SkippableFact]
    public async Task Deleting_twice_or_an_unknown_conversation_is_no_error()
    {
        await Store.DeleteAsync("never-was");
        await Store.AppendAsync("once", [Event("a", Now)]);
        await Store.DeleteAsync("once");
        await Store.DeleteAsync("once");
        Assert.Empty(await Store.LoadAsync("once"));
    }

    [SkippableFact]
    public async Task A_conversation_starts_over_at_event_zero_after_deletion()
    {
        await Store.AppendAsync("again", [Event("old1", Now), Event("old2", Now)]);
        await Store.DeleteAsync("again");

        await Store.AppendExpectingAsync("again", 0, [Event("new", Now)]);

        var events = await Store.LoadAsync("again");
        Assert.Equal("new", Assert.Single(events).Json[9..12]);
        var read = new List<StoredEvent>();
        await foreach (var e in Store.ReadAsync("again", 0)) read.Add(e);
        Assert.Equal(events, read);
    }

    [SkippableFact]
    public async Task Idle_conversations_are_those_whose_newest_event_is_older_than_the_cutoff()
    {
        await Store.AppendAsync("old", [Event("a", Now.AddDays(-40)), Event("b", Now.AddDays(-31))]);
        await Store.AppendAsync("revived", [Event("a", Now.AddDays(-40))]);
        await Store.AppendAsync("revived", [Event("b", Now.AddDays(-1))]);
        await Store.AppendAsync("new", [Event("a", Now)]);

        Assert.Equal(["old"], await Store.IdleSinceAsync(Now.AddDays(-30)));
    }
}

public sealed class SqlitePrivacyStoreTests : PrivacyStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-privacy-store-").FullName;
    private readonly SqliteEventStore _store;

    public SqlitePrivacyStoreTests() => _store = new SqliteEventStore(Path.Combine(_directory, "conversations.db"));

    protected override IEventStore Store => _store;

    [Fact]
    public async Task Erased_text_is_gone_from_the_database_files_not_only_from_queries()
    {
        const string Secret = "独一无二的删除标记";
        await _store.AppendAsync("secret", [Event(Secret, DateTimeOffset.UtcNow)]);
        await _store.AppendAsync("other", [Event("留下", DateTimeOffset.UtcNow)]);
        await _store.DeleteAsync("secret");
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var files = Directory.GetFiles(_directory).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        var secret = Encoding.UTF8.GetBytes(Secret);
        var kept = Encoding.UTF8.GetBytes("留下");
        Assert.True(files.Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(kept) >= 0), "the other conversation is still in the file");
        foreach (var file in files)
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(secret) < 0, $"{Path.GetFileName(file)} still holds the erased text");
    }

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class InMemoryPrivacyStoreTests : PrivacyStoreContract
{
    protected override IEventStore Store { get; } = new InMemoryEventStore();
}

public sealed class PostgresPrivacyStoreTests : PrivacyStoreContract, IDisposable
{
    private readonly Lazy<TestServices.PostgresSchema> _schema = new(() => new TestServices.PostgresSchema());
    private PostgresEventStore? _store;

    protected override IEventStore Store => _store ??= new PostgresEventStore(_schema.Value.ConnectionString);

    public void Dispose()
    {
        _store?.Dispose();
        if (_schema.IsValueCreated) _schema.Value.Dispose();
    }
}
