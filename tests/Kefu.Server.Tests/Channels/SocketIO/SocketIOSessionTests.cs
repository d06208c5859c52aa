using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Channels;
using Kefu.Server.Channels.SocketIO;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using static Kefu.Server.Tests.Channels.SocketIO.SocketIOPackets;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>Rasa's session_persistence, the per-sender rate limit and metadata_key, over raw websockets.</summary>
public sealed class SocketIOSessionTests
{
    [Fact]
    public async Task With_session_persistence_every_socket_of_a_session_gets_its_replies()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { SessionPersistence = true });
        var (first, _) = await host.ConnectedWebSocketAsync();
        var (second, _) = await host.ConnectedWebSocketAsync();
        var (stranger, _) = await host.ConnectedWebSocketAsync();
        await using var _first = first;
        await using var _second = second;
        await using var _stranger = stranger;
        foreach (var (socket, session) in new[] { (first, "shop-42"), (second, "shop-42"), (stranger, "other") })
        {
            await socket.SendAsync(Emit("session_request", new JsonObject { ["session_id"] = session }));
            Assert.Equal(("session_confirm", session), ConfirmedSession(await socket.NextMessageAsync()));
        }

        await first.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "你好", ["session_id"] = "shop-42" }));
        AssertJson("""{"text":"echo: 你好"}""", Event(await first.NextMessageAsync()).Data);
        AssertJson("""{"text":"echo: 你好"}""", Event(await second.NextMessageAsync()).Data);
        await second.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "再见", ["session_id"] = "shop-42" }));
        AssertJson("""{"text":"echo: 再见"}""", Event(await first.NextMessageAsync()).Data);
        AssertJson("""{"text":"echo: 再见"}""", Event(await second.NextMessageAsync()).Data);
        Assert.Equal(["你好", "再见"], await host.UserTextsAsync("socketio:shop-42"));

        // The other session's socket got none of them: its next packet is its own reply.
        await stranger.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "mine", ["session_id"] = "other" }));
        AssertJson("""{"text":"echo: mine"}""", Event(await stranger.NextMessageAsync()).Data);

        // A socket that left (disconnected) gets nothing more; the one that stays does.
        await second.SendAsync("41");
        await first.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "still here?", ["session_id"] = "shop-42" }));
        AssertJson("""{"text":"echo: still here?"}""", Event(await first.NextMessageAsync()).Data);
        await second.SendAsync("40");
        Assert.StartsWith("40{", await second.NextMessageAsync());
    }

    [Fact]
    public async Task With_session_persistence_a_session_is_made_when_none_is_asked_for_and_a_message_needs_one()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { SessionPersistence = true });
        var (socket, socketId) = await host.ConnectedWebSocketAsync();
        await using var _ = socket;

        // A session id that cannot name a conversation ("/" is not allowed in sender ids) is refused.
        await socket.SendAsync(Emit("session_request", new JsonObject { ["session_id"] = "a/b" }));
        AssertError(await socket.NextMessageAsync(), 400, "Bad session id");

        await socket.SendAsync(Emit("session_request", new JsonObject()));
        var (_, session) = ConfirmedSession(await socket.NextMessageAsync());
        Assert.NotEqual(socketId, session);
        Assert.False(string.IsNullOrWhiteSpace(session));

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "no session" }));
        var (name, error) = Event(await socket.NextMessageAsync());
        Assert.Equal((SocketIOChannel.ErrorEvent, 400, "No session id"), (name, error!["status"]!.GetValue<int>(), error["title"]!.GetValue<string>()));

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "with session", ["session_id"] = session }));
        AssertJson("""{"text":"echo: with session"}""", Event(await socket.NextMessageAsync()).Data);
        Assert.Equal(["with session"], await host.UserTextsAsync("socketio:" + session));
    }

    [Fact]
    public async Task Without_session_persistence_the_socket_id_is_the_conversation()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        var (first, firstId) = await host.ConnectedWebSocketAsync();
        var (second, secondId) = await host.ConnectedWebSocketAsync();
        await using var _first = first;
        await using var _second = second;
        foreach (var (socket, id) in new[] { (first, firstId), (second, secondId) })
        {
            await socket.SendAsync(Emit("session_request", new JsonObject { ["session_id"] = "same" }));
            Assert.Equal(("session_confirm", id), ConfirmedSession(await socket.NextMessageAsync()));
        }

        await first.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "one", ["session_id"] = "same" }));
        AssertJson("""{"text":"echo: one"}""", Event(await first.NextMessageAsync()).Data);
        await second.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "two", ["session_id"] = "same" }));
        AssertJson("""{"text":"echo: two"}""", Event(await second.NextMessageAsync()).Data);

        Assert.Equal(["one"], await host.UserTextsAsync("socketio:" + firstId));
        Assert.Equal(["two"], await host.UserTextsAsync("socketio:" + secondId));
        Assert.Empty(await host.UserTextsAsync("socketio:same"));
    }

    [Fact]
    public async Task A_sender_over_its_rate_gets_kefu_error_429_and_others_are_served()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { RateLimit = new RateLimit(2, 1) });
        var (socket, socketId) = await host.ConnectedWebSocketAsync();
        var (other, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;
        await using var _other = other;

        foreach (var text in new[] { "1", "2" })
        {
            await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = text }));
            AssertJson($$"""{"text":"echo: {{text}}"}""", Event(await socket.NextMessageAsync()).Data);
        }
        // The third, asking for an ack: the error event, then the ack carrying the same error.
        await socket.SendAsync("425" + new JsonArray("user_uttered", new JsonObject { ["message"] = "3" }).ToJsonString());
        var (name, error) = Event(await socket.NextMessageAsync());
        Assert.Equal(SocketIOChannel.ErrorEvent, name);
        Assert.Equal((429, "Too many messages"), (error!["status"]!.GetValue<int>(), error["title"]!.GetValue<string>()));
        var retryAfter = error["retry_after"]!.GetValue<int>();
        Assert.InRange(retryAfter, 1, 60);
        Assert.Contains($"retry in {retryAfter} s", error["detail"]!.GetValue<string>());
        var ack = await socket.NextMessageAsync();
        Assert.StartsWith("435[", ack);
        AssertJson(error.ToJsonString(), JsonNode.Parse(ack[3..])![0]);
        Assert.Equal(["1", "2"], await host.UserTextsAsync("socketio:" + socketId));

        await other.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "another sender" }));
        AssertJson("""{"text":"echo: another sender"}""", Event(await other.NextMessageAsync()).Data);
    }

    [Fact]
    public async Task The_metadata_key_takes_an_object_or_a_string_holding_one()
    {
        var chat = new MetadataLog();
        var settings = SocketIOSettings.Default with { MetadataKey = "customData" };
        await using var host = await SocketIOHost.StartAsync(settings, chat: store => chat.Around(new EchoChatService(store)));
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _ = socket;

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "object", ["customData"] = new JsonObject { ["language"] = "zh" } }));
        AssertJson("""{"text":"echo: object"}""", Event(await socket.NextMessageAsync()).Data);
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "string", ["customData"] = """{"language":"en","page":"/cart"}""" }));
        AssertJson("""{"text":"echo: string"}""", Event(await socket.NextMessageAsync()).Data);
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "other key", ["metadata"] = new JsonObject { ["ignored"] = true } }));
        AssertJson("""{"text":"echo: other key"}""", Event(await socket.NextMessageAsync()).Data);

        Assert.Equal(["""{"language":"zh"}""", """{"language":"en","page":"/cart"}""", "none"], chat.Seen);

        foreach (var (bad, problem) in new (JsonNode Value, string Problem)[] { (new JsonArray(1), "customData is a JSON array"), ("{not json", "customData is a string that is not valid JSON") })
        {
            await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "bad", ["customData"] = bad }));
            var (name, error) = Event(await socket.NextMessageAsync());
            Assert.Equal((SocketIOChannel.ErrorEvent, 400, "Bad metadata"), (name, error!["status"]!.GetValue<int>(), error["title"]!.GetValue<string>()));
            Assert.Contains(problem, error["detail"]!.GetValue<string>());
        }
        Assert.Equal(3, chat.Seen.Length);
    }

    [Fact]
    public async Task A_message_that_runs_no_turn_gets_kefu_error_and_the_socket_goes_on()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, ready: false);
        var (socket, socketId) = await host.ConnectedWebSocketAsync();
        await using var _ = socket;

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "too early" }));
        AssertError(await socket.NextMessageAsync(), 503);
        host.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));

        await socket.SendAsync(Emit("user_uttered", JsonValue.Create("not an object")));
        AssertError(await socket.NextMessageAsync(), 400, "Bad message");
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = 42 }));
        AssertError(await socket.NextMessageAsync(), 400, "Bad message");
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "/boom" }));
        AssertError(await socket.NextMessageAsync(), 500, "Turn failed");

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "ready now" }));
        AssertJson("""{"text":"echo: ready now"}""", Event(await socket.NextMessageAsync()).Data);
        Assert.Equal(["ready now"], await host.UserTextsAsync("socketio:" + socketId));
    }

    [Fact]
    public void Bot_messages_take_rasas_socketio_shapes()
    {
        static string[] Shapes(BotMessage message) => [.. SocketIOChannel.RasaMessages(message).Select(n => n.ToJsonString())];

        Assert.Equal(["""{"text":"a","quick_replies":[]}""", """{"text":"b","quick_replies":[{"content_type":"text","title":"Yes","payload":"/affirm"}]}"""],
            Shapes(new BotMessage("  a\n\nb\n", Buttons: [new BotButton("Yes", "/affirm")])));
        Assert.Equal(["""{"text":"","quick_replies":[{"content_type":"text","title":"Yes","payload":"/affirm"}]}"""],
            Shapes(new BotMessage(null, Buttons: [new BotButton("Yes", "/affirm")])));
        // Rasa emits a custom payload's "data" alone (sio.emit(event, **json_message)).
        Assert.Equal(["""{"text":"see"}""", """{"card":1}""", """{"attachment":{"type":"image","payload":{"src":"https://example.com/x.png"}}}"""],
            Shapes(new BotMessage("see", Image: "https://example.com/x.png", Custom: JsonSerializer.SerializeToElement(new { data = new { card = 1 } }))));
        Assert.Empty(Shapes(new BotMessage("")));
    }

    private static void AssertError(string message, int status, string? title = null)
    {
        var (name, error) = Event(message);
        Assert.Equal(SocketIOChannel.ErrorEvent, name);
        Assert.Equal(status, error!["status"]!.GetValue<int>());
        if (title is not null)
            Assert.Equal(title, error["title"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["detail"]!.GetValue<string>()));
    }

    private static (string Name, string Session) ConfirmedSession(string message)
    {
        var (name, data) = Event(message);
        return (name, data!.GetValue<string>());
    }
}
