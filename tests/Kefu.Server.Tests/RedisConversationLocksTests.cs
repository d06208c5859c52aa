using System.Collections.Concurrent;
using System.Diagnostics;
using Kefu.Server.Storage;
using StackExchange.Redis;

namespace Kefu.Server.Tests;

/// <summary>The Redis lock store (scripts/ci-deps.sh starts Redis on port 6380); each instance stands in for one replica.</summary>
public sealed class RedisConversationLocksTests : IDisposable
{
    private readonly string _prefix = "kefu-test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<RedisConversationLocks> _replicas = [];

    private RedisConversationLocks Replica(double lifetimeSeconds = 10)
    {
        TestServices.RequireRedis();
        var (host, port) = (TestServices.RedisEndpoint.Split(':')[0], int.Parse(TestServices.RedisEndpoint.Split(':')[1]));
        var replica = new RedisConversationLocks(new RedisLockOptions(host, port, Database: 0, KeyPrefix: _prefix)
        {
            LockLifetime = TimeSpan.FromSeconds(lifetimeSeconds),
        });
        _replicas.Add(replica);
        return replica;
    }

    [SkippableFact]
    public async Task Waiters_on_any_replica_get_the_lock_one_at_a_time_in_the_order_they_asked()
    {
        var replicas = new[] { Replica(), Replica(), Replica() };
        var first = await replicas[0].AcquireAsync("c", CancellationToken.None);
        var entered = new ConcurrentQueue<int>();
        var inside = 0;
        var waiters = new List<Task>();
        for (var i = 0; i < 9; i++)
        {
            var n = i;
            waiters.Add(Task.Run(async () =>
            {
                await using var lease = await replicas[n % 3].AcquireAsync("c", CancellationToken.None);
                Assert.Equal(1, Interlocked.Increment(ref inside));
                entered.Enqueue(n);
                await Task.Delay(5);
                Interlocked.Decrement(ref inside);
            }));
            await Task.Delay(40); // each has taken its ticket before the next asks
        }
        await first.DisposeAsync();
        await Task.WhenAll(waiters);

        Assert.Equal(Enumerable.Range(0, 9), entered);
    }

    [SkippableFact]
    public async Task Other_conversations_do_not_wait()
    {
        var replica = Replica();
        await using var held = await replica.AcquireAsync("a", CancellationToken.None);

        var other = replica.AcquireAsync("b", CancellationToken.None);
        Assert.Same(other, await Task.WhenAny(other, Task.Delay(TimeSpan.FromSeconds(5))));
        await (await other).DisposeAsync();
    }

    [SkippableFact]
    public async Task A_lock_held_by_a_dead_replica_is_free_after_its_lifetime_and_not_before()
    {
        var dead = Replica(lifetimeSeconds: 1.5);
        var alive = Replica(lifetimeSeconds: 1.5);
        _ = await dead.AcquireAsync("c", CancellationToken.None);
        await Task.Delay(1000); // the holder renews while it lives: the lock outlives its first lifetime
        dead.Dispose(); // killed: it neither renews nor releases

        var clock = Stopwatch.StartNew();
        await using var taken = await alive.AcquireAsync("c", new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.2, 2.5);
    }

    [SkippableFact]
    public async Task A_waiter_on_a_dead_replica_gives_up_its_place()
    {
        var holder = Replica(lifetimeSeconds: 1);
        var dead = Replica(lifetimeSeconds: 1);
        var alive = Replica(lifetimeSeconds: 1);
        var held = await holder.AcquireAsync("c", CancellationToken.None);
        _ = dead.AcquireAsync("c", CancellationToken.None); // queued first, then killed
        await Task.Delay(100);
        dead.Dispose();
        var next = alive.AcquireAsync("c", new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await Task.Delay(100);
        await held.DisposeAsync();

        await using var lease = await next; // not stuck behind the dead waiter's place
    }

    [SkippableFact]
    public async Task A_late_holder_releasing_does_not_free_the_lock_another_took_since()
    {
        var late = Replica();
        var current = Replica();
        var stale = await late.AcquireAsync("c", CancellationToken.None);
        // The late holder's lock expires under it (here: deleted, as expiry would).
        using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.RedisEndpoint))
            await redis.GetDatabase().KeyDeleteAsync($"{_prefix}:{{c}}:lock");
        await using var lease = await current.AcquireAsync("c", CancellationToken.None);

        await stale.DisposeAsync();

        var third = Replica().AcquireAsync("c", CancellationToken.None);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(500)));
        await lease.DisposeAsync();
        await (await third.WaitAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
    }

    [SkippableFact]
    public async Task A_waiter_that_gives_up_leaves_the_queue_at_once()
    {
        var replica = Replica(lifetimeSeconds: 30);
        var held = await replica.AcquireAsync("c", CancellationToken.None);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replica.AcquireAsync("c", giveUp.Token));
        var next = replica.AcquireAsync("c", CancellationToken.None);
        await held.DisposeAsync();

        // Not behind the place of the waiter that gave up, which would stay for its 30 s lifetime.
        await (await next.WaitAsync(TimeSpan.FromSeconds(5))).DisposeAsync();
    }

    [Fact]
    public void A_redis_that_is_down_is_a_clear_error()
    {
        var error = Assert.Throws<ConversationStoreException>(() => new RedisConversationLocks(new RedisLockOptions("127.0.0.1", 1)));
        Assert.Contains("lock store (Redis at 127.0.0.1:1/1)", error.Message);
    }

    public void Dispose()
    {
        foreach (var replica in _replicas) replica.Dispose();
    }
}
