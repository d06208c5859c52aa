using System.Globalization;
using System.Text.Json;

namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// A Socket.IO v5 packet (https://socket.io/docs/v4/socket-io-protocol/), the data of an Engine.IO message:
/// <c>TYPE[/namespace,][ack id][json]</c>, e.g. <c>0{"token":"..."}</c> (CONNECT with an auth payload),
/// <c>2["user_uttered",{"message":"hi"}]</c> (EVENT), <c>213["session_request",{}]</c> (EVENT asking for ACK 13),
/// <c>3/chat,13[]</c> (ACK on namespace /chat). Types: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR,
/// 5 BINARY_EVENT and 6 BINARY_ACK (refused: no binary attachments).
/// </summary>
internal sealed record SocketIOPacket(char Type, string Namespace, long? AckId, JsonElement? Data)
{
    public const char Connect = '0', Disconnect = '1', Event = '2', Ack = '3', ConnectError = '4';

    /// <summary>The packet, or why <paramref name="text"/> is not one a client may send.</summary>
    public static (SocketIOPacket? Packet, string? Problem) Parse(string text)
    {
        if (text.Length == 0)
            return (null, "an empty Socket.IO packet");
        var type = text[0];
        if (type is '5' or '6')
            return (null, "a binary Socket.IO packet (BINARY_EVENT or BINARY_ACK): this server takes no binary attachments");
        if (type is not (Connect or Disconnect or Event or Ack))
            return (null, $"a Socket.IO packet of type '{(char.IsControl(type) ? '?' : type)}', which a client may not send");
        var at = 1;
        var ns = "/";
        if (at < text.Length && text[at] == '/')
        {
            var comma = text.IndexOf(',', at);
            ns = comma < 0 ? text[at..] : text[at..comma];
            at = comma < 0 ? text.Length : comma + 1;
        }
        var digits = at;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            digits++;
        long? ackId = null;
        if (digits > at)
        {
            if (digits - at > 15)
                return (null, "a Socket.IO ack id of more than 15 digits");
            ackId = long.Parse(text.AsSpan(at, digits - at), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        JsonElement? data = null;
        if (digits < text.Length)
        {
            if (Http.JsonTextCheck.UnpairedSurrogate(System.Text.Encoding.UTF8.GetBytes(text, digits, text.Length - digits)) is not null)
                return (null, "a Socket.IO packet whose data has a \\u escape of a lone UTF-16 surrogate: not text");
            try
            {
                using var document = JsonDocument.Parse(text.AsMemory(digits));
                data = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                return (null, $"a Socket.IO packet whose data is not valid JSON: {e.Message}");
            }
        }
        var problem = type switch
        {
            Connect when data is { ValueKind: not JsonValueKind.Object } => "a CONNECT whose auth payload is not a JSON object",
            Event when data is not { ValueKind: JsonValueKind.Array } d || d.GetArrayLength() == 0 || d[0].ValueKind != JsonValueKind.String
                => "an EVENT whose data is not a JSON array starting with the event's name",
            Ack when data is not { ValueKind: JsonValueKind.Array } || ackId is null => "an ACK without an id and a JSON array",
            _ => null,
        };
        return problem is null ? (new SocketIOPacket(type, ns, ackId, data), null) : (null, problem);
    }

    /// <summary>The Engine.IO message that carries a packet: <c>4</c> + the packet's text.</summary>
    public static string Encode(char type, string ns, long? ackId, string? json) =>
        EngineIOProtocol.Message.ToString() + type + (ns == "/" ? "" : ns + ",")
        + (ackId?.ToString(CultureInfo.InvariantCulture) ?? "") + json;
}
