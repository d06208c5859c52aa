using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

public sealed class ChannelTurnsTests
{
    [Fact]
    public void Recent_ids_are_bounded_but_a_running_turn_is_never_forgotten()
    {
        var recent = new RecentMessages(capacity: 2);
        Assert.True(recent.Claim("a").Claimed);   // still running
        Assert.True(recent.Claim("b").Claimed);
        recent.Done("b");
        Assert.True(recent.Claim("c").Claimed);
        recent.Done("c");
        Assert.True(recent.Claim("d").Claimed);
        recent.Done("d");

        Assert.False(recent.Claim("a").Claimed);   // kept past the capacity while it runs
        Assert.False(recent.Claim("d").Claimed);
        Assert.True(recent.Count <= 3);
    }

    [Fact]
    public async Task A_forgotten_id_lets_the_waiting_copy_know_and_can_be_claimed_again()
    {
        var recent = new RecentMessages(capacity: 10);
        recent.Claim("m");
        var (claimed, earlier) = recent.Claim("m");
        Assert.False(claimed);

        recent.Forget("m");

        Assert.False(await earlier!);
        Assert.True(recent.Claim("m").Claimed);
    }

    [Fact]
    public void The_bucket_allows_a_burst_then_says_how_long_to_wait()
    {
        var limiter = new SenderRateLimiter(new RateLimit(Burst: 2, PerMinute: 1));

        Assert.Null(limiter.TryTake("u"));
        Assert.Null(limiter.TryTake("u"));
        var wait = limiter.TryTake("u");
        Assert.NotNull(wait);
        Assert.InRange(wait!.Value.TotalSeconds, 50, 60);
        Assert.Null(limiter.TryTake("other"));
    }

    [Fact]
    public void The_bucket_refills_at_the_rate()
    {
        var limiter = new SenderRateLimiter(new RateLimit(Burst: 1, PerMinute: 6000));   // one token per 10 ms

        Assert.Null(limiter.TryTake("u"));
        Thread.Sleep(50);
        Assert.Null(limiter.TryTake("u"));
    }
}
