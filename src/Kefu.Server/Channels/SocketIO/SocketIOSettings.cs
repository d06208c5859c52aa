using System.Text.RegularExpressions;
using Kefu.Projects;
using Kefu.Server.Http;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// credentials.yml's `socketio:` with Rasa's keys and defaults (rasa/core/channels/socketio.py, SocketIOInput.from_credentials):
/// <code>
/// socketio:
///   user_message_evt: user_uttered     # the event the client emits with {message, session_id, metadata}
///   bot_message_evt: bot_uttered       # the event each bot message is emitted with
///   session_persistence: false         # true: the client's session_id (from session_request) is the conversation
///   socketio_path: /socket.io
///   namespace: /                       # the one Socket.IO namespace served
///   metadata_key: metadata             # the message field passed on as the turn's metadata
///   jwt_key: ${SOCKETIO_JWT_KEY}       # set: a connection must carry a valid JWT as auth.token
///   jwt_method: HS256
/// </code>
/// Plus Kefu's `rate_limit_burst` / `rate_limit_per_minute`. `socketio:` alone serves it with every default, as in Rasa.
/// </summary>
public sealed partial record SocketIOSettings(
    string UserMessageEvent,
    string BotMessageEvent,
    bool SessionPersistence,
    string Path,
    string Namespace,
    string MetadataKey,
    string? JwtKey,
    string JwtMethod,
    RateLimit RateLimit)
{
    public const string Section = "socketio";

    public static SocketIOSettings Default { get; } = new("user_uttered", "bot_uttered", false, "/socket.io", "/", "metadata", null, "HS256", RateLimit.Default);

    /// <summary>Engine.IO's heartbeat: the server pings this often...</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>...and closes a session whose pong has not come this long after the ping (Engine.IO v4 defaults).</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a new session may go without a Socket.IO CONNECT (socket.io's connectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a websocket may take from its probe to the upgrade packet (engine.io's upgradeTimeout).</summary>
    public TimeSpan UpgradeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    private static readonly string[] Keys =
        ["user_message_evt", "bot_message_evt", "session_persistence", "socketio_path", "namespace", "metadata_key", "jwt_key", "jwt_method", .. RateLimit.Keys];

    /// <summary>The `socketio:` section of credentials.yml, or null when the file does not name it.</summary>
    public static SocketIOSettings? Parse(string yaml, string file)
    {
        var section = EndpointsYaml.Section(yaml, file, Section);
        if (section is null)
            return SectionKey().IsMatch(yaml) ? Default : null;
        if (section is not YamlMappingNode map)
            throw EndpointsYaml.Error(file, section.Start, "socketio must be a mapping of its keys, e.g. `socketio:` then indented `key: value` lines");
        var values = ChannelSettings.Values(map, file, Section, Keys);
        string Text(string key, string fallback) => values.TryGetValue(key, out var v) && v.Value is { Length: > 0 } text ? text : fallback;

        var path = Text("socketio_path", Default.Path).TrimEnd('/');
        if (!path.StartsWith('/') || path.Length < 2 || path.IndexOfAny(['?', '#', ' ', '{', '}']) >= 0)
            throw EndpointsYaml.Error(file, values["socketio_path"].Node.Start, $"socketio socketio_path '{values["socketio_path"].Value}' must be a URL path such as /socket.io");
        var ns = Text("namespace", "/");
        if (!ns.StartsWith('/') || ns.IndexOfAny([',', '?', '#', ' ']) >= 0)
            throw EndpointsYaml.Error(file, values["namespace"].Node.Start, $"socketio namespace '{ns}' must start with '/' (a Socket.IO namespace such as /chat)");
        var jwtKey = Text("jwt_key", "");
        var jwtMethod = Text("jwt_method", Default.JwtMethod);
        if (jwtKey.Length > 0 && JwtAuthentication.Problem(jwtKey, jwtMethod, "socketio jwt_key", "socketio jwt_method") is { } badJwt)
            throw EndpointsYaml.Error(file, values[values.ContainsKey("jwt_method") ? "jwt_method" : "jwt_key"].Node.Start, badJwt);
        return new SocketIOSettings(
            Event(values, "user_message_evt", Default.UserMessageEvent, file),
            Event(values, "bot_message_evt", Default.BotMessageEvent, file),
            values.TryGetValue("session_persistence", out var persistence) && Boolean(persistence, file),
            path,
            ns,
            Text("metadata_key", Default.MetadataKey),
            jwtKey.Length > 0 ? jwtKey : null,
            jwtMethod,
            RateLimit.Read(values, file, Section));
    }

    /// <summary>
    /// Socket.IO reserves some event names on the client (connect, connect_error, disconnect, ...); the channel's own
    /// events (session_request, session_confirm, kefu_error) would be taken for the other.
    /// </summary>
    private static string Event(Dictionary<string, (string? Value, YamlNode Node)> values, string key, string fallback, string file)
    {
        if (!values.TryGetValue(key, out var v) || v.Value is not { Length: > 0 } name)
            return fallback;
        if (name is "connect" or "connect_error" or "disconnect" or "disconnecting" or "newListener" or "removeListener")
            throw EndpointsYaml.Error(file, v.Node.Start, $"socketio {key} '{name}' is an event name Socket.IO reserves; choose another");
        if (name is "session_request" or "session_confirm" or SocketIOChannel.ErrorEvent)
            throw EndpointsYaml.Error(file, v.Node.Start, $"socketio {key} '{name}' is an event the channel itself sends or takes (session_request, session_confirm, {SocketIOChannel.ErrorEvent}); choose another");
        return name;
    }

    /// <summary>YAML 1.1 booleans, as Rasa's reader (PyYAML) takes them.</summary>
    private static bool Boolean((string? Value, YamlNode Node) value, string file) => value.Value?.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" or "" or null => false,
        _ => throw EndpointsYaml.Error(file, value.Node.Start, $"socketio session_persistence '{value.Value}' must be true or false"),
    };

    /// <summary>`socketio:` with nothing under it, which <see cref="EndpointsYaml.Section"/> reads as absent.</summary>
    [GeneratedRegex(@"^socketio[ \t]*:[ \t]*(~|null)?[ \t]*(#.*)?$", RegexOptions.Multiline)]
    private static partial Regex SectionKey();
}
