using System.Globalization;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kefu.Server.Routes;

/// <summary>
/// The poll route (<see cref="ChannelMessagesRoutes"/>) as server-sent events: the same authorisation and the same
/// messages, each one `event: message` with `id:` its resume cursor (its index + 1), so that a browser's EventSource
/// reconnects with Last-Event-ID and resumes without repeats. A short server-side wait loop reads the store's count
/// every <see cref="ChannelEventStreams.CheckEvery"/> and the messages only when it grew: the store is the one place
/// every replica's appends meet (an in-process notifier would miss another replica's agent). Heartbeats are `:` comments;
/// a stream ends after <see cref="ChannelEventStreams.Lifetime"/> (the client reconnects), and the number open is
/// bounded per conversation and per process (429 beyond).
/// </summary>
public static class ChannelEventsRoutes
{
    public static RouteGroupBuilder MapChannelEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/rest/conversations/{sender}").WithTags("Channels");
        group.MapGet("/events", Events)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Bot and agent messages from event `after` (or Last-Event-ID) on, as server-sent events; `id:` is each message's resume cursor");
        return group;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Events(
        string sender, string? after, HttpContext context, ServerReadiness readiness, KefuServerOptions options,
        ConversationSessions sessions, ChannelEventStreams streams, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (InputRules.ConversationId(sender, "sender", options.Limits) is { } badSender)
            return Problems.BadRequest(badSender);
        if (await sessions.RefuseReadAsync(context, sender) is { } refused)
            return refused;
        // An EventSource reconnects to the same URL with Last-Event-ID: that cursor is the newer one.
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        var (name, value) = lastEventId.Length > 0 ? ("Last-Event-ID", lastEventId) : ("after", after);
        if (Cursor(value) is not { } start)
            return Problems.BadRequest(
                $"{name} is \"{value}\"; expected a whole number from 0 to {int.MaxValue}: the id of the last event received, or 0");
        if (streams.TryOpen(sender) is not { } lease)
            return TypedResults.Problem(
                $"too many event streams are open (at most {streams.MaxPerConversation} per conversation, {streams.MaxOpen} in all); " +
                "close one, or poll GET /webhooks/rest/conversations/{sender}/messages",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many event streams");
        using (lease)
            await StreamAsync(context, sender, start, options, streams, ct);
        return TypedResults.Empty;
    }

    private static int? Cursor(string? value) =>
        value is null ? 0
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
        : null;

    private static async Task StreamAsync(HttpContext context, string sender, int start, KefuServerOptions options,
        ChannelEventStreams streams, CancellationToken ct)
    {
        var response = context.Response;
        var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var store = context.RequestServices.GetRequiredService<IEventStore>();
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        // Proxies that buffer (nginx) would hold the events back.
        response.Headers["X-Accel-Buffering"] = "no";
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lifetime.CancelAfter(streams.Lifetime);
        var end = lifetime.Token;
        var cursor = start;
        var quietSince = DateTime.UtcNow;
        try
        {
            await WriteAsync(response, $"retry: {(int)streams.Retry.TotalMilliseconds}\n\n", end);
            while (true)
            {
                if (await store.CountAsync(sender, end) > cursor)
                {
                    var page = await ChannelMessagesRoutes.ReadAsync(store, sender, cursor, options.Limits.MaxMessagesPerPage, end);
                    var text = new StringBuilder();
                    foreach (var message in page.Messages)
                        text.Append(CultureInfo.InvariantCulture,
                            $"id: {message.Index + 1}\nevent: message\ndata: {JsonSerializer.Serialize(message, json)}\n\n");
                    cursor = page.Next;
                    if (text.Length > 0)
                    {
                        await WriteAsync(response, text.ToString(), end);
                        quietSince = DateTime.UtcNow;
                    }
                    if (page.More == true)
                        continue;
                }
                if (DateTime.UtcNow - quietSince >= streams.Heartbeat)
                {
                    await WriteAsync(response, ": keep-alive\n\n", end);
                    quietSince = DateTime.UtcNow;
                }
                await Task.Delay(streams.CheckEvery, end);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The client left, the server stops, or the stream's lifetime is over: the client reconnects from its last id.
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
        await response.Body.FlushAsync(ct);
    }
}

/// <summary>How many event streams are open, per conversation and in all, and the timings every stream keeps.</summary>
public sealed class ChannelEventStreams
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private int _total;

    public int MaxPerConversation { get; init; } = 4;
    public int MaxOpen { get; init; } = 1000;
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan Retry { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Streams opened since the start: what a test reads to see that the web chat listens rather than polls.</summary>
    public long Opened => Interlocked.Read(ref _opened);
    private long _opened;

    /// <summary>A lease to dispose when the stream ends, or null when a bound is reached.</summary>
    public IDisposable? TryOpen(string sender)
    {
        lock (_open)
        {
            var count = _open.GetValueOrDefault(sender);
            if (count >= MaxPerConversation || _total >= MaxOpen)
                return null;
            _open[sender] = count + 1;
            _total++;
        }
        Interlocked.Increment(ref _opened);
        return new Lease(this, sender);
    }

    private void Close(string sender)
    {
        lock (_open)
        {
            _total--;
            if (--_open[sender] == 0)
                _open.Remove(sender);
        }
    }

    private sealed class Lease(ChannelEventStreams streams, string sender) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                streams.Close(sender);
        }
    }
}
