using System.Net;
using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests;

/// <summary>
/// A conversation database that is damaged, not a database, from a newer Kefu or read-only: the server says so in one
/// log line and is not ready, instead of answering 500s (or a stack trace) behind a 200 readiness.
/// </summary>
public sealed class DamagedStoreTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-damaged-").FullName;
    private readonly RecordingLoggerProvider _logs = new();

    private string DatabasePath => Path.Combine(_directory, "conversations.db");

    /// <summary>30 conversations of 40 turns of ~300 characters: some 80 pages, the database closed cleanly.</summary>
    private async Task WriteConversationsAsync()
    {
        using var store = new SqliteEventStore(DatabasePath);
        for (var c = 0; c < 30; c++)
            for (var t = 0; t < 40; t++)
                await store.AppendAsync($"c{c}", [new StoredEvent("user", $$"""{"text":"{{new string('话', 100)}} {{t}}"}""", DateTimeOffset.UnixEpoch)]);
    }

    private async Task<WebApplication> StartAsync()
    {
        var options = new KefuServerOptions { Port = 0, DatabasePath = DatabasePath };
        var builder = KefuServer.CreateBuilder(options, services => services.AddSingleton<IChatService, EchoChatService>());
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(_logs);
        var app = KefuServer.Build(builder);
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
        await app.StartAsync();
        return app;
    }

    /// <summary>Starts the server, waits for its store check, and checks what a store that failed it looks like from outside.</summary>
    private async Task<string> AssertRefusedAsync(string expected)
    {
        await using var app = await StartAsync();
        var problem = await app.Services.GetRequiredService<StoreCheck>().Completion;
        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
        var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains(expected, (await ready.ReadProblemAsync()).GetProperty("detail").GetString());
        var message = await client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, message.StatusCode);
        await message.ReadProblemAsync();

        var said = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(LogLevel.Critical, said.Level);
        Assert.Null(said.Exception);
        Assert.DoesNotContain('\n', said.Message);
        Assert.Contains(expected, said.Message);
        return problem;
    }

    [Fact]
    public async Task Damaged_pages_fail_the_start_up_check()
    {
        await WriteConversationsAsync();
        var length = new FileInfo(DatabasePath).Length;
        Assert.True(length > 40 * PageSize, $"the database has only {length / PageSize} pages");

        // 20 pages from page 10 on overwritten with a pattern: B-tree pages no longer parse.
        await using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write))
        {
            var garbage = Enumerable.Range(0, PageSize).Select(i => (byte)(i * 7 + 13)).ToArray();
            for (var page = 10; page < 30; page++)
            {
                file.Position = (long)page * PageSize;
                file.Write(garbage);
            }
        }

        var problem = await AssertRefusedAsync("is damaged: PRAGMA quick_check says");
        Assert.Contains(DatabasePath, problem);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_the_start_up_check()
    {
        await File.WriteAllTextAsync(DatabasePath, string.Concat(Enumerable.Repeat("not a database, just text. ", 400)));

        await AssertRefusedAsync("file is not a database");
    }

    [Fact]
    public async Task A_database_from_a_newer_kefu_fails_the_start_up_check()
    {
        await WriteConversationsAsync();
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 7";
            command.ExecuteNonQuery();
        }

        await AssertRefusedAsync("has schema version 7; this Kefu knows up to 2");
    }

    [ReadOnlyFileFact]
    public async Task A_read_only_database_fails_the_start_up_check()
    {
        await WriteConversationsAsync();
        using var readOnly = ReadOnlyFile.Make(DatabasePath);

        await AssertRefusedAsync("readonly");
    }

    [Fact]
    public async Task A_sound_database_passes_and_the_server_is_ready()
    {
        await WriteConversationsAsync();

        await using var app = await StartAsync();

        Assert.Null(await app.Services.GetRequiredService<StoreCheck>().Completion);
        Assert.Equal(HttpStatusCode.OK, (await app.GetTestClient().GetAsync("/readyz")).StatusCode);
        var poll = await (await app.GetTestClient().GetAsync("/webhooks/rest/conversations/c3/messages")).ReadJsonAsync();
        Assert.Equal(40, poll.GetProperty("next").GetInt32());
    }

    [Fact]
    public async Task A_page_damaged_while_serving_answers_503_with_sqlites_words_and_one_log_line()
    {
        await WriteConversationsAsync();
        await using var app = await StartAsync();
        Assert.Null(await app.Services.GetRequiredService<StoreCheck>().Completion);
        // the start's read of pending reminders is done before the damage: the request below is the only reader that meets it
        await app.Services.GetRequiredService<Kefu.Server.Reminders.ReminderService>().Recovered;
        var client = app.GetTestClient();

        // Every page but the first (the header) and the root of the schema: reads of conversations then meet garbage.
        await using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            var garbage = Enumerable.Range(0, PageSize).Select(i => (byte)(i * 7 + 13)).ToArray();
            for (var page = 2; page < file.Length / PageSize; page++)
            {
                file.Position = (long)page * PageSize;
                file.Write(garbage);
            }
        }
        SqliteConnection.ClearAllPools();

        var response = await client.GetAsync("/webhooks/rest/conversations/c3/messages");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString()!;
        Assert.StartsWith("the conversation store could not be read or written: SQLite Error", detail);
        Assert.DoesNotContain(DatabasePath, detail);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var said = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Null(said.Exception);
        Assert.Contains("GET /webhooks/rest/conversations/c3/messages: the conversation store failed: SQLite Error", said.Message);
    }

    [Fact]
    public async Task A_store_that_throws_gets_a_503_problem_not_a_trace()
    {
        await using var host = await TestHost.StartAsync(logs: _logs, chat: _ => new EchoChatService(new BrokenStore()));

        var response = await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"c1","message":"hi"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("the conversation store could not be read or written: SQLite Error 11: 'database disk image is malformed'.",
            (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Contains("database disk image is malformed", host.Readiness.Reason);
        var said = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Null(said.Exception);
    }

    /// <summary>Fails every append as SQLite does on a damaged page.</summary>
    private sealed class BrokenStore : IEventStore
    {
        public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default) =>
            throw new SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11);

        public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default) =>
            throw new SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11);

        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<string>>([]);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// Makes a file read-only until disposed: its mode bits, and as root (who writes read-only files anyway) the ext4
/// immutable attribute (`chattr +i`), which binds root too.
/// </summary>
public sealed class ReadOnlyFile : IDisposable
{
    private readonly string _path;
    private readonly bool _immutable;

    private ReadOnlyFile(string path, bool immutable) => (_path, _immutable) = (path, immutable);

    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    public static ReadOnlyFile Make(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.ReadOnly);
            return new ReadOnlyFile(path, false);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        if (IsRoot && Chattr("+i", path) != 0)
            throw new InvalidOperationException($"chattr +i {path} failed");
        return new ReadOnlyFile(path, IsRoot);
    }

    public void Dispose()
    {
        if (_immutable) Chattr("-i", _path);
    }

    /// <summary>Whether root can make a file immutable here (chattr installed, a file system with the attribute, the capability).</summary>
    public static readonly Lazy<bool> RootCanMakeImmutable = new(() =>
    {
        string probe = Path.Combine(Path.GetTempPath(), $"kefu-immutable-probe-{Environment.ProcessId}");
        File.WriteAllText(probe, "x");
        try
        {
            if (Chattr("+i", probe) != 0) return false;
            try { File.AppendAllText(probe, "y"); return false; }
            catch (UnauthorizedAccessException) { return true; }
            catch (IOException) { return true; }
            finally { Chattr("-i", probe); }
        }
        finally { File.Delete(probe); }
    });

    private static int Chattr(string flag, string path)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, path])
            { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;   // no chattr
        }
    }
}

/// <summary>Skipped, saying why, only when tests run as root where <see cref="ReadOnlyFile"/> cannot bind root.</summary>
public sealed class ReadOnlyFileFactAttribute : FactAttribute
{
    public ReadOnlyFileFactAttribute()
    {
        if (ReadOnlyFile.IsRoot && !ReadOnlyFile.RootCanMakeImmutable.Value)
            Skip = "root writes read-only files, and chattr +i (the immutable attribute, which binds root) is not available here";
    }
}
