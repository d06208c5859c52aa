using System.Net.WebSockets;
using System.Threading.Channels;

namespace Kefu.Server.Channels.SocketIO;

internal enum EngineIOTransport { Polling, WebSocket }

/// <summary>
/// One Engine.IO session: its outgoing packets (which a long-polling GET or the websocket's writer takes), its incoming
/// messages (which the Socket.IO layer reads in order), and the heartbeat. The server pings every pingInterval and
/// closes the session when the pong has not come within pingTimeout: a client that stopped polling, or vanished, is
/// dropped that way. Close is idempotent and ends both queues, the pending poll (with a close packet) and the websocket.
/// </summary>
internal sealed class EngineIOSession
{
    private const int MaxQueuedPackets = 1_000;
    private readonly Channel<string> _outgoing = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Channel<string> _incoming = Channel.CreateBounded<string>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _closed = new();
    private readonly Action<EngineIOSession> _onClosed;
    private TaskCompletionSource _pong = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _polling;
    private int _closing;

    public EngineIOSession(string id, EngineIOTransport transport, SocketIOSettings settings, Action<EngineIOSession> onClosed)
    {
        Id = id;
        Transport = transport;
        _onClosed = onClosed;
        _ = HeartbeatAsync(settings.PingInterval, settings.PingTimeout);
    }

    public string Id { get; }

    public EngineIOTransport Transport { get; private set; }

    /// <summary>A websocket has sent its probe and the upgrade has not finished or failed yet.</summary>
    public bool Upgrading { get; set; }

    public string? CloseReason { get; private set; }

    /// <summary>Whether the session was closed for a packet that broke Engine.IO's protocol (a websocket closes with 1002).</summary>
    public bool BrokeProtocol { get; private set; }

    public CancellationToken Closed => _closed.Token;

    /// <summary>Socket.IO packets from the client (Engine.IO message data), in arrival order.</summary>
    public ChannelReader<string> Messages => _incoming.Reader;

    /// <summary>Queues an encoded Engine.IO packet for the client; a client that lets too many pile up is closed.</summary>
    public void Send(string packet)
    {
        if (_outgoing.Reader.Count >= MaxQueuedPackets)
            Close("the client does not read its packets");
        else
            _outgoing.Writer.TryWrite(packet);
    }

    /// <summary>Takes one packet from the client (polling or websocket); a problem (and the session closed) when it breaks the protocol.</summary>
    public string? Receive(string packet)
    {
        if (Closed.IsCancellationRequested)
            return null;
        if (EngineIOProtocol.Check(packet) is { } problem)
        {
            BrokeProtocol = true;
            Close("parse error: " + problem);
            return problem;
        }
        switch (packet[0])
        {
            case EngineIOProtocol.Pong:
                _pong.TrySetResult();
                return null;
            case EngineIOProtocol.Message:
                if (_incoming.Writer.TryWrite(packet[1..]))
                    return null;
                BrokeProtocol = true;
                Close("the client sent more messages than it waited for");
                return "too many messages at once";
            case EngineIOProtocol.Close:
                Close("the client closed the session");
                return null;
            case EngineIOProtocol.Noop:
                return null;
            default:
                // Engine.IO v4: only the server pings (the client's "2probe" is answered before the upgrade); open and
                // upgrade are not the client's to send here.
                var unexpected = $"an Engine.IO packet of type '{packet[0]}' that the client may not send here";
                BrokeProtocol = true;
                Close("protocol error: " + unexpected);
                return unexpected;
        }
    }

    /// <summary>Marks a long-polling GET as waiting; false when another is (engine.io's "overlap from client").</summary>
    public bool BeginPoll() => Interlocked.CompareExchange(ref _polling, 1, 0) == 0;

    public void EndPoll() => Volatile.Write(ref _polling, 0);

    /// <summary>
    /// What a long-polling GET answers: every packet queued, waiting for the first; a close packet once the session has
    /// closed. The server's pings wake a poll at least every pingInterval.
    /// </summary>
    public async Task<string> NextPollAsync(CancellationToken requestAborted)
    {
        var reader = _outgoing.Reader;
        if (!await reader.WaitToReadAsync(requestAborted))
            return EngineIOProtocol.Close.ToString();
        var packets = new List<string>();
        while (reader.TryRead(out var packet))
            packets.Add(packet);
        if (packets.Count == 0)
            packets.Add(EngineIOProtocol.Noop.ToString());
        return EngineIOProtocol.EncodePayload(packets);
    }

    /// <summary>The websocket has sent its upgrade packet: from now on it carries every packet, polling is refused.</summary>
    public void UpgradeToWebSocket()
    {
        Transport = EngineIOTransport.WebSocket;
        Upgrading = false;
    }

    /// <summary>Writes the queued packets to the websocket until the session closes or the socket fails.</summary>
    public async Task WriteToAsync(WebSocket socket)
    {
        try
        {
            await foreach (var packet in _outgoing.Reader.ReadAllAsync(CancellationToken.None))
                await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(packet), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException)
        {
            Close("the websocket failed: " + e.Message);
        }
    }

    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
            return;
        CloseReason = reason;
        _outgoing.Writer.TryComplete();
        _incoming.Writer.TryComplete();
        _closed.Cancel();
        _onClosed(this);
    }

    private async Task HeartbeatAsync(TimeSpan interval, TimeSpan timeout)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, Closed);
                var pong = _pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Send(EngineIOProtocol.Ping.ToString());
                if (await Task.WhenAny(pong.Task, Task.Delay(timeout, Closed)) != pong.Task)
                {
                    Close("ping timeout");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
