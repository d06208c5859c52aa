using Kefu.Server.Storage;

namespace Kefu.Server.Tests;

/// <summary>Two servers on one SQLite file used to fail appends with "UNIQUE constraint failed"; now the second stops at once.</summary>
public sealed class SqliteOneServerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-one-server-").FullName;

    [Fact]
    public void A_second_server_on_the_same_file_is_refused_with_what_to_do_instead()
    {
        var path = Path.Combine(_directory, "conversations.db");
        using var first = new SqliteEventStore(path, exclusive: true);

        var error = Assert.Throws<ConversationStoreException>(() => new SqliteEventStore(path, exclusive: true));
        Assert.Contains("in use by another Kefu server", error.Message);
        Assert.Contains("tracker_store (PostgreSQL) and lock_store (Redis)", error.Message);

        first.Dispose();
        using var afterStop = new SqliteEventStore(path, exclusive: true);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
