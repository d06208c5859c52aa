using Kefu.Projects;
using Kefu.Server.Storage;
using Npgsql;

namespace Kefu.Server.Tests;

public sealed class StoreEndpointsTests
{
    [Fact]
    public void Rasa_keys_name_postgresql_and_redis_with_the_password_from_the_environment()
    {
        var variable = "KEFU_TEST_DB_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "p@ss;word");
        try
        {
            var stores = StoreEndpoints.Parse($$"""
                tracker_store:
                  type: sql
                  dialect: postgresql
                  url: db.internal
                  port: 5433
                  db: kefu
                  username: bot
                  password: ${{{variable}}}
                lock_store:
                  type: redis
                  url: redis.internal
                  port: 6380
                  db: 2
                  password: r
                  lock_lifetime: 30
                """, "endpoints.yml", "/bots/shop");

            var postgres = new NpgsqlConnectionStringBuilder(stores.PostgresConnectionString);
            Assert.Equal(("db.internal", 5433, "kefu", "bot", "p@ss;word"), (postgres.Host, postgres.Port, postgres.Database, postgres.Username, postgres.Password));
            Assert.Equal(new RedisLockOptions("redis.internal", 6380, 2, "r") { LockLifetime = TimeSpan.FromSeconds(30) }, stores.RedisLocks);
            Assert.Null(stores.SqlitePath);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Sqlite_dialect_names_the_file_relative_to_the_project_and_in_memory_locks_are_the_default()
    {
        var stores = StoreEndpoints.Parse("tracker_store: {type: sql, dialect: sqlite, db: data/c.db}\nlock_store: {type: in_memory}\n", "e.yml", "/bots/shop");

        Assert.Equal(Path.GetFullPath("/bots/shop/data/c.db"), stores.SqlitePath);
        Assert.Null(stores.RedisLocks);
        Assert.Equal(Path.GetFullPath("/bots/shop/data/c.db"), new KefuServerOptions { Stores = stores }.ResolvedDatabasePath);
    }

    [Theory]
    [InlineData("tracker_store:\n  type: mongod\n", "endpoints.yml:2:9: error: tracker_store type 'mongod' is not run by Kefu")]
    [InlineData("tracker_store:\n  type: sql\n  dialect: mysql\n", "endpoints.yml:3:12: error: tracker_store dialect 'mysql' is not run by Kefu")]
    [InlineData("tracker_store:\n  type: sql\n  dialect: postgresql\n  username: u\n", "tracker_store (the database host) needs `url`")]
    [InlineData("tracker_store:\n  type: sql\n  login_db: x\n", "endpoints.yml:3:3: error: tracker_store: unknown key 'login_db'")]
    [InlineData("tracker_store: {type: sql, dialect: postgresql, url: h, username: u, port: 99999}\n", "tracker_store port '99999' must be a whole number from 1 to 65535")]
    [InlineData("lock_store:\n  type: redis\n  url: r\n", "lock_store type redis is for several replicas, which also need a shared tracker_store")]
    [InlineData("lock_store:\n  type: concurrent_redis\n", "lock_store type 'concurrent_redis' is not run by Kefu")]
    [InlineData("tracker_store: sql\n", "tracker_store must be a mapping")]
    [InlineData("tracker_store:\n  type: sql\n  dialect: postgresql\n  url: h\n  username: u\n  password: ${KEFU_SURELY_UNSET_VARIABLE}\n", "endpoints.yml:6:13: error: environment variable KEFU_SURELY_UNSET_VARIABLE used in endpoints.yml is not set")]
    public void What_kefu_does_not_run_is_an_error_at_its_line(string yaml, string expected)
    {
        var error = Assert.Throws<ProjectException>(() => StoreEndpoints.Parse(yaml, "endpoints.yml", "/p"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void No_file_or_no_sections_is_the_sqlite_default()
    {
        Assert.Equal(StoreEndpoints.None, StoreEndpoints.Load(Path.Combine(Path.GetTempPath(), "kefu-no-such-project-" + Guid.NewGuid())));
        Assert.Equal(StoreEndpoints.None, StoreEndpoints.Parse("action_endpoint: {url: http://a/b}\n", "e.yml", "/p"));
    }
}
