using System.Diagnostics;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kefu.Server.Channels;

/// <summary>What became of a platform's message: a turn ran, it was a redelivery, or the sender is over its rate.</summary>
internal abstract record TurnOutcome
{
    public sealed record Ran(IReadOnlyList<BotMessage> Replies) : TurnOutcome;

    /// <summary>The message id was seen before and its turn has run: acknowledge it again, run nothing.</summary>
    public sealed record Duplicate : TurnOutcome;

    public sealed record RateLimited(TimeSpan RetryAfter) : TurnOutcome;
}

/// <summary>
/// The part every channel shares once a request is verified and read: de-duplication of the platform's message ids,
/// the per-sender rate limit, and the turn itself. A turn that throws forgets its message id, so that the platform's
/// retry runs it (the engine stores a turn's events together, so a failed turn stored nothing).
/// </summary>
internal sealed class ChannelTurns(IChatService chat, ChannelSettings settings)
{
    private readonly Dictionary<string, RecentMessages> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SenderRateLimiter> _limits = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// Runs the turn of <paramref name="messageId"/> (the platform's id, unique within <paramref name="channel"/>) once.
    /// A copy that arrives while the first is running waits for it; if the first fails, the copy throws as well, so that
    /// the platform retries rather than taking the copy's acknowledgement for the message.
    /// </summary>
    public async Task<TurnOutcome> RunAsync(string channel, RateLimit rate, string senderId, string messageId, string text, JsonElement? metadata)
    {
        RecentMessages recent;
        SenderRateLimiter limiter;
        lock (_lock)
        {
            recent = _recent.TryGetValue(channel, out var r) ? r : _recent[channel] = new RecentMessages(settings.RecentIdCapacity);
            limiter = _limits.TryGetValue(channel, out var l) ? l : _limits[channel] = new SenderRateLimiter(rate);
        }
        var (claimed, earlier) = recent.Claim(messageId);
        if (!claimed)
        {
            if (await earlier!)
                return new TurnOutcome.Duplicate();
            throw new ChannelRetryException($"{channel} message {messageId} arrived twice at once and its first delivery failed; the platform should retry it");
        }
        if (limiter.TryTake(senderId) is { } wait)
        {
            recent.Forget(messageId);
            return new TurnOutcome.RateLimited(wait);
        }
        try
        {
            // A turn that has started runs to its end even if the platform hangs up: its events stay whole.
            var replies = await chat.HandleMessageAsync(senderId, text, metadata, CancellationToken.None);
            recent.Done(messageId);
            return new TurnOutcome.Ran(replies);
        }
        catch
        {
            recent.Forget(messageId);
            throw;
        }
    }

    /// <summary>"channel:id" when it is a sender id the other routes can name (no '/', no control characters, short enough).</summary>
    public static string? SenderId(string channel, string platformId, ServerLimits limits, out string? problem)
    {
        var id = $"{channel}:{platformId}";
        problem = InputRules.SenderId(id, $"{channel} sender id", limits);
        return problem is null ? id : null;
    }

    public static ProblemHttpResult TooManyMessages(HttpContext context, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem($"this sender sent more messages than the channel's rate limit allows; retry in {seconds} s",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too many messages");
    }
}

/// <summary>A delivery that cannot be acknowledged now: answered 503 so that the platform delivers it again.</summary>
internal sealed class ChannelRetryException(string message) : Exception(message);

/// <summary>
/// The last <c>capacity</c> message ids of one channel (per process: a restarted server, or another replica, does not
/// know them). Each maps to its turn's completion: true once it ran, false if it failed and was forgotten.
/// </summary>
internal sealed class RecentMessages(int capacity)
{
    private readonly Dictionary<string, TaskCompletionSource<bool>> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>(true, null) when this caller now owns the id; (false, the earlier turn's completion) otherwise.</summary>
    public (bool Claimed, Task<bool>? Earlier) Claim(string id)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var earlier))
                return (false, earlier.Task);
            _byId[id] = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _order.Enqueue(id);
            // Ids of turns still running are kept past the capacity (moved to the back): forgetting one would let its
            // redelivery run again. Ids forgotten after a failure are dropped when they reach the front.
            for (var turns = _order.Count; _order.Count > capacity && turns > 0; turns--)
            {
                var oldest = _order.Dequeue();
                if (!_byId.TryGetValue(oldest, out var entry))
                    continue;
                if (entry.Task.IsCompleted)
                    _byId.Remove(oldest);
                else
                    _order.Enqueue(oldest);
            }
            return (true, null);
        }
    }

    public void Done(string id) => Complete(id, ran: true);

    public void Forget(string id) => Complete(id, ran: false);

    private void Complete(string id, bool ran)
    {
        TaskCompletionSource<bool>? entry;
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out entry))
                return;
            if (!ran)
                _byId.Remove(id);
        }
        entry.TrySetResult(ran);
    }

    public int Count { get { lock (_lock) return _byId.Count; } }
}

/// <summary>Token buckets per sender id; buckets that have refilled are dropped once there are many, to bound memory.</summary>
internal sealed class SenderRateLimiter(RateLimit rate)
{
    private const int SweepAbove = 50_000;
    private readonly Dictionary<string, (double Tokens, long At)> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly double _perTick = rate.PerMinute / 60.0 / Stopwatch.Frequency;

    /// <summary>Null when the sender may send now (a token is taken); how long until it may otherwise.</summary>
    public TimeSpan? TryTake(string sender)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_buckets.Count > SweepAbove)
                foreach (var (key, b) in _buckets.ToArray())
                    if (Refilled(b, now) >= rate.Burst)
                        _buckets.Remove(key);
            var tokens = _buckets.TryGetValue(sender, out var bucket) ? Refilled(bucket, now) : rate.Burst;
            if (tokens >= 1)
            {
                _buckets[sender] = (tokens - 1, now);
                return null;
            }
            _buckets[sender] = (tokens, now);
            return TimeSpan.FromSeconds((1 - tokens) / (rate.PerMinute / 60.0));
        }
    }

    private double Refilled((double Tokens, long At) bucket, long now) => Math.Min(rate.Burst, bucket.Tokens + (now - bucket.At) * _perTick);
}
