namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// Engine.IO protocol v4 (https://socket.io/docs/v4/engine-io-protocol/), text packets only. A packet is its type
/// digit then its data: <c>0{open json}</c>, <c>1</c> close, <c>2</c> ping, <c>3</c> pong, <c>4text</c> message,
/// <c>5</c> upgrade, <c>6</c> noop. Long-polling bodies join packets with the record separator 0x1E. Binary packets
/// (a websocket binary frame, or <c>b</c> + base64 in a polling body) are refused: Socket.IO's text events carry
/// everything Rasa's channel sends.
/// </summary>
internal static class EngineIOProtocol
{
    public const char Separator = '\u001e';
    public const char Open = '0', Close = '1', Ping = '2', Pong = '3', Message = '4', Upgrade = '5', Noop = '6';

    /// <summary>The packets of a polling POST body; a problem when one is empty, binary or of an unknown type.</summary>
    public static (List<string> Packets, string? Problem) DecodePayload(string body)
    {
        var packets = new List<string>();
        foreach (var packet in body.Split(Separator))
        {
            if (Check(packet) is { } problem)
                return (packets, problem);
            packets.Add(packet);
        }
        return (packets, null);
    }

    /// <summary>Why <paramref name="packet"/> is not a text packet of a known type; null when it is.</summary>
    public static string? Check(string packet) => packet switch
    {
        "" => "an empty Engine.IO packet",
        ['b', ..] => "a binary Engine.IO packet: this server takes text packets only",
        [>= Open and <= Noop, ..] => null,
        _ => $"an Engine.IO packet of unknown type '{Shown(packet[0])}'",
    };

    public static string EncodePayload(IReadOnlyList<string> packets) => string.Join(Separator, packets);

    private static string Shown(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}

/// <summary>
/// The errors of an Engine.IO request that names no live session or is not one the protocol allows: HTTP 400 (403 for
/// Forbidden) with <c>{"code":N,"message":"..."}</c>, the codes and messages of the reference server (engine.io's
/// Server.errors), which clients read.
/// </summary>
internal sealed record EngineIOError(int Code, string Message, int Status = 400)
{
    public static readonly EngineIOError UnknownTransport = new(0, "Transport unknown");
    public static readonly EngineIOError UnknownSid = new(1, "Session ID unknown");
    public static readonly EngineIOError BadHandshakeMethod = new(2, "Bad handshake method");
    public static readonly EngineIOError BadRequest = new(3, "Bad request");
    public static readonly EngineIOError Forbidden = new(4, "Forbidden", 403);
    public static readonly EngineIOError UnsupportedProtocolVersion = new(5, "Unsupported protocol version");
}
