using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// The server side of Engine.IO v4 (https://socket.io/docs/v4/engine-io-protocol/) on one path:
/// <code>
/// GET  PATH/?EIO=4&amp;transport=polling            handshake: 0{"sid","upgrades":["websocket"],"pingInterval","pingTimeout","maxPayload"}
/// GET  PATH/?EIO=4&amp;transport=polling&amp;sid=S      long poll: the queued packets, 0x1E between them
/// POST PATH/?EIO=4&amp;transport=polling&amp;sid=S      the client's packets; answered "ok"
/// GET  PATH/?EIO=4&amp;transport=websocket[&amp;sid=S]  a websocket: a new session (its first frame the open packet), or the
///                                             upgrade of session S: "2probe" → "3probe", a noop to the pending poll, then "5"
/// </code>
/// A request the protocol does not allow is a 400 with engine.io's {"code","message"} and, if it named a session,
/// closes that session. A body or frame over maxPayload (the server's --max-body-kb) is a 413, or a websocket closed
/// with 1009, and closes the session.
/// </summary>
internal sealed class EngineIOServer(SocketIOSettings settings, int maxPayload, Func<EngineIOSession, Task> onSession, ILogger logger)
{
    private readonly ConcurrentDictionary<string, EngineIOSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["EIO"] != "4")
        {
            await RefuseAsync(context, EngineIOError.UnsupportedProtocolVersion);
            return;
        }
        var sid = query["sid"].ToString();
        var session = sid.Length == 0 ? null : _sessions.GetValueOrDefault(sid);
        if (sid.Length > 0 && session is null)
        {
            await RefuseAsync(context, EngineIOError.UnknownSid);
            return;
        }
        switch (query["transport"].ToString())
        {
            case "polling" when session is null:
                if (HttpMethods.IsGet(context.Request.Method))
                    await HandshakeAsync(context);
                else
                    await RefuseAsync(context, EngineIOError.BadHandshakeMethod);
                break;
            case "polling" when session.Transport != EngineIOTransport.Polling:
                // The session has moved to its websocket: engine.io answers a late poll as a bad request.
                await RefuseAsync(context, EngineIOError.BadRequest);
                break;
            case "polling" when HttpMethods.IsGet(context.Request.Method):
                await PollAsync(context, session);
                break;
            case "polling" when HttpMethods.IsPost(context.Request.Method):
                await PostAsync(context, session);
                break;
            case "polling":
                await RefuseAsync(context, EngineIOError.BadRequest);
                break;
            case "websocket" when !context.WebSockets.IsWebSocketRequest:
                await RefuseAsync(context, EngineIOError.BadRequest);
                break;
            case "websocket" when session is null:
                await WebSocketSessionAsync(context);
                break;
            case "websocket" when session.Transport != EngineIOTransport.Polling || session.Upgrading:
                await RefuseAsync(context, EngineIOError.BadRequest);
                break;
            case "websocket":
                await UpgradeAsync(context, session);
                break;
            default:
                await RefuseAsync(context, EngineIOError.UnknownTransport);
                break;
        }
    }

    /// <summary>Closes every session (the server is stopping): pending polls answer a close packet, websockets close.</summary>
    public void CloseAll()
    {
        foreach (var session in _sessions.Values)
            session.Close("the server is stopping");
    }

    private EngineIOSession Start(EngineIOTransport transport)
    {
        var session = new EngineIOSession(NewId(), transport, settings, closed =>
        {
            _sessions.TryRemove(closed.Id, out _);
            logger.LogDebug("socketio: session {Sid} closed: {Reason}", closed.Id, closed.CloseReason);
        });
        _sessions[session.Id] = session;
        _ = RunSocketIOAsync(session);
        return session;
    }

    private async Task RunSocketIOAsync(EngineIOSession session)
    {
        try
        {
            await onSession(session);
        }
        catch (Exception e)
        {
            logger.LogError(e, "socketio: session {Sid} failed", session.Id);
        }
        finally
        {
            session.Close("the Socket.IO connection ended");
        }
    }

    private string OpenPacket(string sid, bool upgrades) => EngineIOProtocol.Open + new JsonObject
    {
        ["sid"] = sid,
        ["upgrades"] = upgrades ? new JsonArray("websocket") : new JsonArray(),
        ["pingInterval"] = (long)settings.PingInterval.TotalMilliseconds,
        ["pingTimeout"] = (long)settings.PingTimeout.TotalMilliseconds,
        ["maxPayload"] = maxPayload,
    }.ToJsonString();

    private async Task HandshakeAsync(HttpContext context)
    {
        var session = Start(EngineIOTransport.Polling);
        await TextAsync(context, OpenPacket(session.Id, upgrades: true));
    }

    private async Task PollAsync(HttpContext context, EngineIOSession session)
    {
        if (!session.BeginPoll())
        {
            session.Close("two long-polling requests at once");
            await RefuseAsync(context, EngineIOError.BadRequest);
            return;
        }
        try
        {
            string payload;
            try
            {
                payload = await session.NextPollAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await TextAsync(context, payload);
        }
        finally
        {
            session.EndPoll();
        }
    }

    private async Task PostAsync(HttpContext context, EngineIOSession session)
    {
        var body = await ReadBodyAsync(context.Request);
        if (body is null)
        {
            session.Close("a polling body over maxPayload");
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await JsonAsync(context, EngineIOError.BadRequest.Code, $"Payload over maxPayload ({maxPayload} bytes)");
            return;
        }
        var (packets, problem) = EngineIOProtocol.DecodePayload(body);
        foreach (var packet in packets)
            problem ??= session.Receive(packet);
        if (problem is not null)
        {
            session.Close("parse error: " + problem);
            logger.LogDebug("socketio: session {Sid} sent {Problem}; closed", session.Id, problem);
            await RefuseAsync(context, EngineIOError.BadRequest);
            return;
        }
        context.Response.ContentType = "text/html; charset=UTF-8";
        await context.Response.WriteAsync("ok");
    }

    /// <summary>The body as UTF-8 text; null when it is over maxPayload.</summary>
    private async Task<string?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > maxPayload)
            return null;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxPayload)
                    return null;
                buffer.Write(chunk, 0, read);
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (BadHttpRequestException)
        {
            // Kestrel's own limit (--max-body-kb) is the same size.
            return null;
        }
    }

    private async Task WebSocketSessionAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var session = Start(EngineIOTransport.WebSocket);
        session.Send(OpenPacket(session.Id, upgrades: false));
        await RunWebSocketAsync(socket, session, context.RequestAborted);
    }

    /// <summary>
    /// The upgrade of a polling session (protocol "Upgrade"): the probe is answered, a noop ends the pending poll so that the
    /// client can pause polling, and the upgrade packet moves the session onto this websocket. A websocket that does
    /// otherwise, or takes longer than upgradeTimeout, is closed; the session goes on polling.
    /// </summary>
    private async Task UpgradeAsync(HttpContext context, EngineIOSession session)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        session.Upgrading = true;
        // A receive is never cancelled by the timeout: .NET aborts a websocket whose receive is cancelled, and the
        // client would see a reset instead of the close frame.
        var deadline = Task.Delay(settings.UpgradeTimeout, session.Closed);
        Task<Frame?>? receiving = null;
        async Task<string?> NextTextAsync()
        {
            receiving = ReceiveTextAsync(socket, context.RequestAborted);
            if (await Task.WhenAny(receiving, deadline) != receiving)
                return null;
            var frame = await receiving;
            receiving = null;
            return frame?.Text;
        }
        try
        {
            if (await NextTextAsync() is not "2probe")
                throw new InvalidDataException("the websocket did not start with the probe \"2probe\" within upgradeTimeout");
            await socket.SendAsync("3probe"u8.ToArray(), WebSocketMessageType.Text, true, context.RequestAborted);
            session.Send(EngineIOProtocol.Noop.ToString());
            if (await NextTextAsync() is not "5")
                throw new InvalidDataException("the websocket did not send the upgrade packet \"5\" within upgradeTimeout after its probe");
        }
        catch (Exception e) when (e is InvalidDataException or OperationCanceledException or WebSocketException or IOException)
        {
            session.Upgrading = false;
            logger.LogDebug("socketio: the upgrade of session {Sid} failed: {Reason}", session.Id, e.Message);
            await CloseAsync(socket, WebSocketCloseStatus.ProtocolError, "upgrade failed");
            if (receiving is { } pending)
            {
                // The pending receive takes the client's answering close frame.
                _ = pending.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                if (await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != pending)
                    socket.Abort();
            }
            return;
        }
        session.UpgradeToWebSocket();
        await RunWebSocketAsync(socket, session, context.RequestAborted);
    }

    /// <summary>
    /// Reads the client's packets while the session's writer sends its own; when the session closes (the client's close,
    /// a protocol error, a ping timeout, the server stopping) the websocket is closed with a close frame.
    /// </summary>
    private async Task RunWebSocketAsync(WebSocket socket, EngineIOSession session, CancellationToken aborted)
    {
        var status = WebSocketCloseStatus.NormalClosure;
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await ReceiveTextAsync(socket, aborted) is { } frame)
                {
                    // Receive closes the session itself on a packet that breaks the protocol (BrokeProtocol, read below):
                    // the writer may finish before this task goes on.
                    var problem = frame.Problem ?? session.Receive(frame.Text!);
                    if (problem is null)
                        continue;
                    if (frame.Problem is not null)
                        status = frame.Status;
                    logger.LogDebug("socketio: session {Sid} sent {Problem}; closed", session.Id, problem);
                    session.Close("protocol error: " + problem);
                    return;
                }
                session.Close("the client closed the websocket");
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
            {
                session.Close("the websocket failed: " + e.Message);
            }
        }, CancellationToken.None);
        await session.WriteToAsync(socket);
        await CloseAsync(socket, session.BrokeProtocol ? WebSocketCloseStatus.ProtocolError : status, session.CloseReason ?? "closed");
        if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != reading)
            socket.Abort();
    }

    private readonly record struct Frame(string? Text, string? Problem, WebSocketCloseStatus Status);

    /// <summary>One whole text message; null when the client closed; a problem for a binary message or one over maxPayload.</summary>
    private async Task<Frame?> ReceiveTextAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(maxPayload, 16 * 1024) + 1];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            if (result.MessageType == WebSocketMessageType.Binary)
                return new Frame(null, "a binary websocket frame: this server takes text packets only", WebSocketCloseStatus.InvalidMessageType);
            if (message.Length + result.Count > maxPayload)
                return new Frame(null, $"a websocket message over maxPayload ({maxPayload} bytes)", WebSocketCloseStatus.MessageTooBig);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return new Frame(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length), null, default);
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // A close reason is at most 123 bytes (RFC 6455 5.5).
            var shortReason = reason.Length > 60 ? reason[..60] : reason;
            await socket.CloseOutputAsync(status, shortReason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
    }

    private static Task TextAsync(HttpContext context, string payload)
    {
        context.Response.ContentType = "text/plain; charset=UTF-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(payload);
    }

    private static Task RefuseAsync(HttpContext context, EngineIOError error)
    {
        context.Response.StatusCode = error.Status;
        return JsonAsync(context, error.Code, error.Message);
    }

    private static Task JsonAsync(HttpContext context, int code, string message)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["code"] = code, ["message"] = message }.ToJsonString());
    }

    /// <summary>20 random URL-safe characters, as engine.io's base64id.</summary>
    private static string NewId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
}
