using Kefu.Dialogue;
using Kefu.Server.Storage;

namespace Kefu.Server.Tests;

/// <summary>The same store contract as SQLite's, on PostgreSQL (scripts/ci-deps.sh starts one on port 5433), and what only a shared server store has.</summary>
public sealed class PostgresEventStoreTests : EventStoreContract, IDisposable
{
    private readonly Lazy<TestServices.PostgresSchema> _schema = new(() => new TestServices.PostgresSchema());
    private PostgresEventStore? _store;

    protected override IEventStore Store => _store ??= new PostgresEventStore(_schema.Value.ConnectionString);

    [SkippableFact]
    public async Task Two_stores_on_one_database_share_conversations_without_duplicate_keys()
    {
        var store = Store;
        using var other = new PostgresEventStore(_schema.Value.ConnectionString);

        // Two processes' appends to one conversation, interleaved: numbered one after another, none refused.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => (i % 2 == 0 ? store : other).AppendAsync("shared", [Event("user", i), Event("bot", i)]))));

        var events = await other.LoadAsync("shared");
        Assert.Equal(80, events.Count);
        Assert.Equal(40, events.Select(e => e.Json).Distinct().Count());
    }

    [SkippableFact]
    public void The_schema_version_is_recorded_and_a_newer_one_refused()
    {
        _ = Store;
        _schema.Value.Execute($"UPDATE {_schema.Value.Name}.kefu_schema_version SET version = 99");

        var error = Assert.Throws<ConversationStoreException>(() => new PostgresEventStore(_schema.Value.ConnectionString));
        Assert.Contains("schema version 99", error.Message);
        Assert.Contains($"knows up to {PostgresEventStore.SchemaVersion}", error.Message);
    }

    [SkippableFact]
    public async Task Replicas_starting_together_migrate_once()
    {
        TestServices.RequirePostgres();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresEventStore(_schema.Value.ConnectionString))));
        await stores[0].AppendAsync("c", [Event("user", 1)]);
        Assert.Single(await stores[3].LoadAsync("c"));
        foreach (var store in stores) store.Dispose();
    }

    [Fact]
    public void A_database_that_is_down_is_a_clear_error_after_retries()
    {
        // Port 1 on loopback: nothing listens, so every connect is refused at once.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<ConversationStoreException>(() =>
            new PostgresEventStore("Host=127.0.0.1;Port=1;Username=kefu;Password=secret-pw;Database=kefu;Timeout=1"));

        Assert.Contains("PostgreSQL at 127.0.0.1:1/kefu", error.Message);
        Assert.Contains("cannot be reached after 5 tries", error.Message);
        Assert.DoesNotContain("secret-pw", error.Message);
        Assert.True(started.Elapsed > TimeSpan.FromSeconds(3), $"retried with back-off for {started.Elapsed}");
    }

    public void Dispose()
    {
        _store?.Dispose();
        if (_schema.IsValueCreated) _schema.Value.Dispose();
    }
}

/// <summary>PostgreSQL refusing writes, at the start and while serving: clear errors, never a 500.</summary>
public sealed class PostgresFailureTests : IDisposable
{
    private readonly Fakes.RecordingLoggerProvider _logs = new();

    [SkippableFact]
    public void A_read_only_database_at_the_start_is_a_clear_error()
    {
        using var schema = new TestServices.PostgresSchema();
        var readOnly = new Npgsql.NpgsqlConnectionStringBuilder(schema.ConnectionString) { Options = "-c default_transaction_read_only=on" };

        var error = Assert.Throws<ConversationStoreException>(() => new PostgresEventStore(readOnly.ConnectionString));
        Assert.Contains("cannot use the conversation store (PostgreSQL at", error.Message);
        Assert.Contains("read-only transaction", error.Message);
    }

    [Fact]
    public async Task A_database_refusing_writes_while_serving_answers_503_and_the_server_stays_ready()
    {
        await using var host = await TestHost.StartAsync(logs: _logs, chat: _ => new Fakes.EchoChatService(new ReadOnlyStore()));

        var response = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Equal("the conversation store could not be read or written: cannot execute INSERT in a read-only transaction",
            (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.True(host.Readiness.IsReady);
        Assert.Contains(_logs.Entries, e => e.Message.Contains("the conversation store (PostgreSQL) failed"));
    }

    /// <summary>Appends fail as PostgreSQL fails them on a standby after a fail-over.</summary>
    private sealed class ReadOnlyStore : IEventStore
    {
        public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<StoredEvent>>([]);

        public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default) =>
            throw new Npgsql.PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", "25006");

        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<string>>([]);
    }

    public void Dispose() => _logs.Dispose();
}
