using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels.SocketIO;

/// <summary>
/// The Socket.IO side of one Engine.IO session, on the one namespace credentials.yml names: CONNECT (with the JWT check),
/// then Rasa's events. Packets are handled one at a time in arrival order, so a client's messages run their turns in the
/// order it sent them. A packet that breaks the protocol (bad JSON, a binary packet, an unknown type) closes the session,
/// as socket.io's server does ("parse error").
/// </summary>
internal sealed class SocketIOConnection(EngineIOSession session, SocketIOSettings settings, SocketIORooms rooms,
    JwtAuthentication? jwt, IServiceProvider services, ILogger logger)
{
    private bool _connected;

    /// <summary>The Socket.IO socket id, sent in the CONNECT answer; the conversation without session_persistence.</summary>
    public string Sid { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');

    /// <summary>The session id this connection asked for (session_persistence), under <see cref="SocketIORooms"/>'s lock.</summary>
    public string? Room { get; set; }

    public async Task RunAsync()
    {
        _ = CloseUnlessConnectedAsync();
        try
        {
            await foreach (var text in session.Messages.ReadAllAsync(CancellationToken.None))
            {
                var (packet, problem) = SocketIOPacket.Parse(text);
                if (packet is null)
                {
                    logger.LogDebug("socketio: session {Sid} sent {Problem}; closed", session.Id, problem);
                    session.Close("parse error: " + problem);
                    return;
                }
                await HandleAsync(packet);
            }
        }
        finally
        {
            rooms.Leave(this);
        }
    }

    public void Emit(string eventName, JsonNode? data, long? ackId = null) =>
        session.Send(SocketIOPacket.Encode(ackId is null ? SocketIOPacket.Event : SocketIOPacket.Ack, settings.Namespace, ackId,
            ackId is null ? new JsonArray(eventName, data).ToJsonString() : new JsonArray(data).ToJsonString()));

    private void Acknowledge(long? ackId, JsonNode? error)
    {
        if (ackId is not null)
            session.Send(SocketIOPacket.Encode(SocketIOPacket.Ack, settings.Namespace, ackId, (error is null ? new JsonArray() : new JsonArray(error)).ToJsonString()));
    }

    private async Task CloseUnlessConnectedAsync()
    {
        try
        {
            await Task.Delay(settings.ConnectTimeout, session.Closed);
            if (!_connected)
                session.Close("no Socket.IO CONNECT within the connect timeout");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(SocketIOPacket packet)
    {
        if (packet.Namespace != settings.Namespace)
        {
            // socket.io's answer to a namespace it does not serve; other packets for it are ignored.
            if (packet.Type == SocketIOPacket.Connect)
                session.Send(SocketIOPacket.Encode(SocketIOPacket.ConnectError, packet.Namespace, null, """{"message":"Invalid namespace"}"""));
            return;
        }
        switch (packet.Type)
        {
            case SocketIOPacket.Connect when !_connected:
                await ConnectAsync(packet.Data);
                break;
            case SocketIOPacket.Disconnect:
                _connected = false;
                rooms.Leave(this);
                break;
            case SocketIOPacket.Event when _connected:
                var arguments = packet.Data!.Value;
                var name = arguments[0].GetString();
                JsonElement? first = arguments.GetArrayLength() > 1 ? arguments[1] : null;
                if (name == "session_request")
                    SessionRequest(first, packet.AckId);
                else if (name == settings.UserMessageEvent)
                    await UserMessageAsync(first, packet.AckId);
                break;
        }
    }

    /// <summary>Rasa's connect handler: with jwt_key, auth.token (optionally "Bearer "-prefixed) must be a valid JWT.</summary>
    private async Task ConnectAsync(JsonElement? auth)
    {
        if (jwt is not null)
        {
            var token = auth?.String("token");
            if (token?.StartsWith("Bearer ", StringComparison.Ordinal) == true)
                token = token["Bearer ".Length..];
            if (string.IsNullOrEmpty(token) || await jwt.ValidateAsync(token) is null)
            {
                logger.LogInformation("socketio: a connection was refused: {Reason}", token is null ? "its auth payload has no token" : "its token is not valid");
                session.Send(SocketIOPacket.Encode(SocketIOPacket.ConnectError, settings.Namespace, null, new JsonObject
                {
                    ["message"] = "Not authorized: the auth payload's token must be a valid JWT signed with the channel's jwt_key",
                }.ToJsonString()));
                return;
            }
        }
        _connected = true;
        session.Send(SocketIOPacket.Encode(SocketIOPacket.Connect, settings.Namespace, null, new JsonObject { ["sid"] = Sid }.ToJsonString()));
    }

    /// <summary>
    /// Rasa's session_request: with session_persistence the client's session_id (or a new one) is its conversation and
    /// this connection joins its room; without, the conversation is this socket's id, which is what is confirmed.
    /// </summary>
    private void SessionRequest(JsonElement? data, long? ackId)
    {
        string id;
        if (settings.SessionPersistence)
        {
            id = data?.String("session_id") is { Length: > 0 } given ? given : Guid.NewGuid().ToString("N");
            if (Refuse(id, out var problem))
            {
                EmitError(StatusCodes.Status400BadRequest, "Bad session id", problem!, ackId);
                return;
            }
            rooms.Join(id, this);
        }
        else
            id = Sid;
        Emit("session_confirm", id);
        Acknowledge(ackId, null);
    }

    private bool Refuse(string sessionId, out string? problem) =>
        ChannelTurns.SenderId(SocketIOChannel.Name, sessionId, services.GetRequiredService<KefuServerOptions>().Limits, out problem) is null;

    /// <summary>Rasa's handle_message: {"message", "session_id", metadata_key} runs a turn; each bot message is emitted to the session.</summary>
    private async Task UserMessageAsync(JsonElement? data, long? ackId)
    {
        var options = services.GetRequiredService<KefuServerOptions>();
        if (data is not { ValueKind: JsonValueKind.Object } body)
        {
            EmitError(StatusCodes.Status400BadRequest, "Bad message", $"{settings.UserMessageEvent} needs an object {{\"message\", \"session_id\", \"{settings.MetadataKey}\"}}", ackId);
            return;
        }
        string sessionId;
        if (settings.SessionPersistence)
        {
            if (body.String("session_id") is not { Length: > 0 } given)
            {
                logger.LogWarning("socketio: a message without a session_id was ignored; with session_persistence the client must send the id of session_request's session_confirm");
                EmitError(StatusCodes.Status400BadRequest, "No session id",
                    "session_persistence is on: a message needs the session_id that session_confirm gave (emit session_request first)", ackId);
                return;
            }
            sessionId = given;
        }
        else
            sessionId = Sid;
        var text = body.TryGetProperty("message", out var m) ? (m.ValueKind == JsonValueKind.String ? m.GetString() : null) : "";
        if (InputRules.MessageText(text, "message", options.Limits) is { } badText)
        {
            EmitError(StatusCodes.Status400BadRequest, "Bad message", badText, ackId);
            return;
        }
        var (metadata, badMetadata) = Metadata(body);
        if (badMetadata is not null)
        {
            EmitError(StatusCodes.Status400BadRequest, "Bad metadata", badMetadata, ackId);
            return;
        }
        if (ChannelTurns.SenderId(SocketIOChannel.Name, sessionId, options.Limits, out var badSender) is not { } senderId)
        {
            EmitError(StatusCodes.Status400BadRequest, "Bad session id", badSender!, ackId);
            return;
        }
        if (await ChannelRequest.RefuseTurnAsync(new DefaultHttpContext { RequestServices = services }, senderId) is { } refused)
        {
            EmitError(refused.StatusCode, refused.ProblemDetails.Title ?? "Refused", refused.ProblemDetails.Detail ?? "", ackId);
            return;
        }
        TurnOutcome outcome;
        try
        {
            outcome = await services.GetRequiredService<ChannelTurns>().RunAsync(SocketIOChannel.Name, settings.RateLimit, senderId,
                Guid.NewGuid().ToString("N"), text!, metadata);
        }
        catch (Exception e)
        {
            logger.LogError(e, "socketio: the turn of {Conversation} failed", senderId);
            EmitError(StatusCodes.Status500InternalServerError, "Turn failed", "the bot could not answer this message; send it again", ackId);
            return;
        }
        if (outcome is TurnOutcome.RateLimited limited)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds));
            EmitError(StatusCodes.Status429TooManyRequests, "Too many messages",
                $"this sender sent more messages than the channel's rate limit allows; retry in {seconds} s", ackId, seconds);
            return;
        }
        if (outcome is TurnOutcome.Ran ran)
        {
            var recipients = settings.SessionPersistence ? rooms.Members(sessionId).Append(this).Distinct().ToArray() : [this];
            foreach (var reply in ran.Replies)
                foreach (var message in SocketIOChannel.RasaMessages(reply))
                    foreach (var recipient in recipients)
                        recipient.Emit(settings.BotMessageEvent, message.DeepClone());
        }
        Acknowledge(ackId, null);
    }

    /// <summary>Rasa's metadata: the metadata_key field as an object, or a string holding a JSON object (json.loads).</summary>
    private (JsonElement? Metadata, string? Problem) Metadata(JsonElement body)
    {
        if (!body.TryGetProperty(settings.MetadataKey, out var value) || value.ValueKind == JsonValueKind.Null)
            return (null, null);
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                value = JsonDocument.Parse(value.GetString()!).RootElement.Clone();
            }
            catch (JsonException e)
            {
                return (null, $"{settings.MetadataKey} is a string that is not valid JSON: {e.Message}");
            }
        }
        return value.ValueKind == JsonValueKind.Object ? (value, null)
            : (null, $"{settings.MetadataKey} is a JSON {value.ValueKind.ToString().ToLowerInvariant()}; expected an object");
    }

    private void EmitError(int status, string title, string detail, long? ackId, int? retryAfterSeconds = null)
    {
        var error = new JsonObject { ["status"] = status, ["title"] = title, ["detail"] = detail };
        if (retryAfterSeconds is { } seconds)
            error["retry_after"] = seconds;
        Emit(SocketIOChannel.ErrorEvent, error.DeepClone());
        Acknowledge(ackId, error);
    }
}
