using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>
/// One call to a platform's API, its request made anew for each attempt (it may first fetch an access token);
/// <see cref="Failure"/> reads an answer that may be 2xx but say it failed (Slack's "ok": false).
/// </summary>
internal sealed record PlatformCall(Func<Task<HttpRequestMessage>> Request, Func<HttpResponseMessage, Task<PlatformFailure?>>? Failure = null)
{
    public PlatformCall(Func<HttpRequestMessage> request, Func<HttpResponseMessage, Task<PlatformFailure?>>? failure = null)
        : this(() => Task.FromResult(request()), failure) { }
}

/// <summary>Thrown while making a call's request (fetching a token): the call fails with this reason.</summary>
internal sealed class PlatformCallException(string reason, bool retry) : Exception(reason)
{
    public bool Retry { get; } = retry;
}

/// <summary>Why an answer failed and whether another attempt may succeed.</summary>
internal sealed record PlatformFailure(string Reason, bool Retry, TimeSpan? RetryAfter = null);

/// <summary>
/// Sends the bot's replies to the platforms after the turn is stored and the platform's request acknowledged, so that a
/// slow or failing platform API never holds the webhook (Slack wants an answer in 3 s) nor loses the turn. The calls of
/// one recipient go out in order, one at a time. Each call is retried after each of the policy's waits on a network error,
/// a timeout, 429 or 5xx (Retry-After honoured, up to a minute); when the last attempt fails the reply is logged as
/// undelivered — the conversation in the store still has it. Stopping the server waits for deliveries under way.
/// </summary>
internal sealed class ChannelDelivery(ChannelSettings settings, ILogger<ChannelDelivery> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan MostRetryAfter = TimeSpan.FromMinutes(1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,   // each attempt has its own (settings.Delivery.AttemptTimeout)
    };
    /// <summary>The client of every platform call (WeChatApi fetches its access token with it).</summary>
    internal HttpClient Http => _http;

    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Queues <paramref name="calls"/> behind the recipient's earlier ones and returns at once.</summary>
    public void Enqueue(string channel, string recipient, IReadOnlyList<PlatformCall> calls)
    {
        if (calls.Count == 0)
            return;
        lock (_lock)
        {
            var before = _tails.GetValueOrDefault(recipient) ?? Task.CompletedTask;
            Task tail = null!;
            tail = before.ContinueWith(async _ =>
            {
                foreach (var call in calls)
                {
                    try
                    {
                        await SendAsync(channel, recipient, call);
                    }
                    catch (Exception e)
                    {
                        // A call that could not even be made (a bad URL from a response's payload): the others still go.
                        logger.LogError(e, "{Channel}: a reply to {Recipient} could not be sent; the conversation keeps it", channel, recipient);
                    }
                }
                lock (_lock)
                    if (_tails.TryGetValue(recipient, out var current) && current == tail)
                        _tails.Remove(recipient);
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            _tails[recipient] = tail;
        }
    }

    /// <summary>Completes once every queued call has been sent or given up on (tests; the server's stop).</summary>
    public Task WhenIdleAsync()
    {
        lock (_lock)
            return Task.WhenAll(_tails.Values.ToArray());
    }

    /// <summary>Sends one call, retrying; true when the platform took it.</summary>
    public async Task<bool> SendAsync(string channel, string recipient, PlatformCall call, string? what = null)
    {
        var waits = settings.Delivery.RetryWaits;
        for (var attempt = 0; ; attempt++)
        {
            var failure = await AttemptAsync(call);
            if (failure is null)
                return true;
            if (!failure.Retry || attempt >= waits.Count || _stopping.IsCancellationRequested)
            {
                if (what is null)
                    logger.LogError("{Channel}: a reply to {Recipient} was not delivered after {Attempts} attempt(s): {Reason}. " +
                        "The conversation keeps it (GET /conversations/{Recipient}/tracker)", channel, recipient, attempt + 1, failure.Reason, recipient);
                else
                    logger.LogError("{Channel}: {Call} failed after {Attempts} attempt(s): {Reason}", channel, what, attempt + 1, failure.Reason);
                return false;
            }
            var wait = failure.RetryAfter is { } after && after > waits[attempt] ? (after < MostRetryAfter ? after : MostRetryAfter) : waits[attempt];
            logger.LogWarning("{Channel}: {Call} failed ({Reason}); retry {Retry} of {Retries} in {Wait} ms",
                channel, what ?? $"a reply to {recipient}", failure.Reason, attempt + 1, waits.Count, (int)wait.TotalMilliseconds);
            try
            {
                await Task.Delay(wait, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopping: one last attempt now rather than none.
            }
        }
    }

    private async Task<PlatformFailure?> AttemptAsync(PlatformCall call)
    {
        using var timeout = new CancellationTokenSource(settings.Delivery.AttemptTimeout);
        try
        {
            using var request = await call.Request();
            using var response = await _http.SendAsync(request, timeout.Token);
            var said = call.Failure is null ? null : await call.Failure(response);
            var status = $"HTTP {(int)response.StatusCode} from {request.RequestUri?.GetLeftPart(UriPartial.Authority)}";
            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
                return new PlatformFailure(said?.Reason ?? status, true, said?.RetryAfter ?? response.Headers.RetryAfter?.Delta);
            if (!response.IsSuccessStatusCode)
                return said ?? new PlatformFailure(status, false);
            return said;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new PlatformFailure($"no answer within {settings.Delivery.AttemptTimeout.TotalSeconds:0.#} s", true);
        }
        catch (HttpRequestException e)
        {
            return new PlatformFailure(e.Message, true);
        }
        catch (PlatformCallException e)
        {
            return new PlatformFailure(e.Message, e.Retry);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Waits cut short; the deliveries under way finish (or fail) within an attempt's timeout.
        await _stopping.CancelAsync();
        await WhenIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        _http.Dispose();
        _stopping.Dispose();
    }
}
