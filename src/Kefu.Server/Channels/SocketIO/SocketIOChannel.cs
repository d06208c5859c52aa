using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// Rasa's socket.io channel (rasa/core/channels/socketio.py), which the Rasa chat widget (rasa-webchat, botfront) and
/// other Socket.IO front ends speak, on Kefu's own Engine.IO / Socket.IO server (<see cref="EngineIOServer"/>):
/// <code>
/// client: 0{"token":"JWT"}                                  CONNECT (auth.token checked when jwt_key is set)
/// server: 0{"sid":"S"}                                      or 4{"message":"..."} (CONNECT_ERROR)
/// client: 2["session_request",{"session_id":"abc"}]
/// server: 2["session_confirm","abc"]                        the client's id with session_persistence, else S
/// client: 2["user_uttered",{"message":"你好","session_id":"abc","metadata":{...}}]
/// server: 2["bot_uttered",{"text":"..."}]                   one per bot message, in Rasa's shapes (RasaMessages)
/// </code>
/// The conversation is "socketio:{session id}" (session_persistence) or "socketio:{S}". A message that runs no turn
/// (over the rate limit, server not ready, conversation full, bad fields) is answered with a "kefu_error" event
/// {status, title, detail}, and in the ack when the client asked for one.
/// </summary>
internal static class SocketIOChannel
{
    public const string Name = "socketio";
    public const string ErrorEvent = "kefu_error";

    public static void Map(IEndpointRouteBuilder routes, SocketIOSettings settings)
    {
        var services = routes.ServiceProvider;
        var options = services.GetRequiredService<KefuServerOptions>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SocketIOChannel).FullName!);
        var jwt = settings.JwtKey is null ? null : new JwtAuthentication(settings.JwtKey, settings.JwtMethod, "socketio jwt_key");
        var rooms = new SocketIORooms();
        var maxPayload = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue);
        var server = new EngineIOServer(settings, maxPayload,
            session => new SocketIOConnection(session, settings, rooms, jwt, services, logger).RunAsync(), logger);
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(server.CloseAll);
        routes.Map(settings.Path, server.HandleAsync).ExcludeFromDescription();
        routes.MapGet("/webhooks/socketio/", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Channels").WithSummary("Rasa's channel health check");
    }

    /// <summary>
    /// A bot message as Rasa's SocketIOOutput emits it (OutputChannel.send_response): text split at blank lines into
    /// {"text"} messages; with buttons, the last one carries "quick_replies" [{"content_type":"text","title","payload"}];
    /// a custom payload as it is (its "data" alone when it has one, as Rasa emits **json_message); an image as
    /// {"attachment":{"type":"image","payload":{"src"}}}.
    /// </summary>
    public static IEnumerable<JsonNode> RasaMessages(BotMessage message)
    {
        var buttons = message.Buttons ?? [];
        if (buttons.Count > 0)
        {
            var parts = (message.Text ?? "").Trim().Split("\n\n");
            for (var i = 0; i < parts.Length; i++)
                yield return new JsonObject
                {
                    ["text"] = parts[i],
                    ["quick_replies"] = i < parts.Length - 1 ? new JsonArray() : new JsonArray([.. buttons.Select(b =>
                        (JsonNode)new JsonObject { ["content_type"] = "text", ["title"] = b.Title, ["payload"] = b.Payload })]),
                };
        }
        else if (!string.IsNullOrEmpty(message.Text))
        {
            foreach (var part in message.Text.Trim().Split("\n\n"))
                yield return new JsonObject { ["text"] = part };
        }
        if (message.Custom is { } custom)
            yield return JsonSerializer.SerializeToNode(custom.ValueKind == JsonValueKind.Object && custom.TryGetProperty("data", out var data) ? data : custom)!;
        if (!string.IsNullOrEmpty(message.Image))
            yield return new JsonObject { ["attachment"] = new JsonObject { ["type"] = "image", ["payload"] = new JsonObject { ["src"] = message.Image } } };
    }
}

/// <summary>Which connections asked for which session id (Rasa's enter_room with session_persistence): each gets the session's replies.</summary>
internal sealed class SocketIORooms
{
    private readonly Dictionary<string, HashSet<SocketIOConnection>> _members = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Join(string room, SocketIOConnection connection)
    {
        lock (_lock)
        {
            LeaveLocked(connection);
            (_members.TryGetValue(room, out var set) ? set : _members[room] = []).Add(connection);
            connection.Room = room;
        }
    }

    public void Leave(SocketIOConnection connection)
    {
        lock (_lock)
            LeaveLocked(connection);
    }

    public SocketIOConnection[] Members(string room)
    {
        lock (_lock)
            return _members.TryGetValue(room, out var set) ? [.. set] : [];
    }

    private void LeaveLocked(SocketIOConnection connection)
    {
        if (connection.Room is { } room && _members.TryGetValue(room, out var set) && set.Remove(connection) && set.Count == 0)
            _members.Remove(room);
        connection.Room = null;
    }
}
