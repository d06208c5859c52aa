using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Kefu.Server.Channels.SocketIO;
using static Kefu.Server.Tests.Channels.SocketIO.SocketIOPackets;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>
/// The socketio channel at the wire: Engine.IO v4 (https://socket.io/docs/v4/engine-io-protocol/) and Socket.IO v5
/// (https://socket.io/docs/v4/socket-io-protocol/) packets written from the specs, over raw HTTP long-polling and a raw
/// websocket against real Kestrel.
/// </summary>
public sealed class SocketIOProtocolTests
{
    private const string Buttons = """{"text":"请选择：","quick_replies":[{"content_type":"text","title":"查订单","payload":"/order_status"},{"content_type":"text","title":"退货","payload":"/return"}]}""";

    [Fact]
    public async Task Polling_handshake_connect_session_and_rasa_message_shapes()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, maxBodyBytes: 10_000);
        using var client = host.Polling();

        var open = await client.HandshakeAsync();
        Assert.Equal(20, client.Sid!.Length);
        AssertJson($$"""{"sid":"{{client.Sid}}","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":10000}""", open);

        Assert.Equal((HttpStatusCode.OK, "ok"), await client.PostAsync("40"));
        var connected = await client.NextMessageAsync();
        Assert.StartsWith("40{", connected);
        var socketId = JsonNode.Parse(connected[2..])!["sid"]!.GetValue<string>();
        Assert.NotEqual(client.Sid, socketId);

        // Without session_persistence the session is the socket's own id, whatever the client asked for.
        await client.PostAsync(Emit("session_request", new JsonObject { ["session_id"] = "s1" }));
        var (name, data) = Event(await client.NextMessageAsync());
        Assert.Equal(("session_confirm", socketId), (name, data!.GetValue<string>()));

        await client.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "/buttons", ["session_id"] = socketId }));
        (name, data) = Event(await client.NextMessageAsync());
        Assert.Equal("bot_uttered", name);
        AssertJson(Buttons, data);

        // Two packets in one POST body; text is split at blank lines, one bot_uttered per part.
        await client.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "a\n\nb" }), Emit("user_uttered", new JsonObject { ["message"] = "/image" }));
        string[] expected =
        [
            """{"text":"echo: a"}""",
            """{"text":"b"}""",
            """{"attachment":{"type":"image","payload":{"src":"https://example.com/a.png"}}}""",
        ];
        foreach (var shape in expected)
        {
            (name, data) = Event(await client.NextMessageAsync());
            Assert.Equal("bot_uttered", name);
            AssertJson(shape, data);
        }

        await client.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "/custom" }));
        AssertJson("""{"kind":"card","id":7}""", Event(await client.NextMessageAsync()).Data);
        // One conversation, the socket's; its turns in the order sent.
        Assert.Equal(["/buttons", "a\n\nb", "/image", "/custom"], await host.UserTextsAsync("socketio:" + socketId));
    }

    [Fact]
    public async Task An_unknown_namespace_is_refused_and_acks_are_answered()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;

        await socket.SendAsync("40/admin,");
        Assert.Equal("""44/admin,{"message":"Invalid namespace"}""", await socket.NextMessageAsync());
        // An EVENT asking for ack 7: the session is confirmed, then ACK 7 with no arguments.
        await socket.SendAsync("427" + new JsonArray("session_request", new JsonObject()).ToJsonString());
        Assert.Equal("session_confirm", Event(await socket.NextMessageAsync()).Name);
        Assert.Equal("437[]", await socket.NextMessageAsync());
    }

    [Fact]
    public async Task A_custom_namespace_and_path_are_served_and_slash_is_not()
    {
        var settings = SocketIOSettings.Default with { Namespace = "/chat", Path = "/ws/socket" };
        await using var host = await SocketIOHost.StartAsync(settings);
        using var wrongPath = host.Polling();
        Assert.Equal(HttpStatusCode.NotFound, (await wrongPath.PollAsync()).Status);

        using var client = host.Polling("/ws/socket/");
        await client.HandshakeAsync();
        await client.PostAsync("40");
        Assert.Equal("""44{"message":"Invalid namespace"}""", await client.NextMessageAsync());
        await client.PostAsync("40/chat,");
        Assert.StartsWith("40/chat,{\"sid\":", await client.NextMessageAsync());
        await client.PostAsync("42/chat," + new JsonArray("user_uttered", new JsonObject { ["message"] = "你好" }).ToJsonString());
        var reply = await client.NextMessageAsync();
        Assert.StartsWith("42/chat,", reply);
        AssertJson("""["bot_uttered",{"text":"echo: 你好"}]""", JsonNode.Parse(reply["42/chat,".Length..]));
    }

    [Fact]
    public async Task A_polling_session_upgrades_to_a_websocket()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        using var client = host.Polling();
        await client.HandshakeAsync();
        await client.PostAsync("40");
        Assert.StartsWith("40{", await client.NextMessageAsync());

        // The client keeps a poll pending while it probes: the server ends it with a noop once the probe is answered.
        var pending = client.PollAsync();
        await using var socket = await host.WebSocketAsync(client.Sid);
        await socket.SendAsync("2probe");
        Assert.Equal("3probe", await socket.ReceiveAsync());
        Assert.Equal((HttpStatusCode.OK, "6"), ((await pending).Status, (await pending).Body));
        await socket.SendAsync("5");

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "/buttons" }));
        var (name, data) = Event(await socket.NextMessageAsync());
        Assert.Equal("bot_uttered", name);
        AssertJson(Buttons, data);

        // Polling is over for this session.
        var late = await client.PollAsync();
        Assert.Equal(HttpStatusCode.BadRequest, late.Status);
        AssertJson("""{"code":3,"message":"Bad request"}""", JsonNode.Parse(late.Body));
    }

    [Fact]
    public async Task A_websocket_without_a_probe_does_not_take_over_the_session()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        using var client = host.Polling();
        await client.HandshakeAsync();
        await client.PostAsync("40");
        Assert.StartsWith("40{", await client.NextMessageAsync());

        await using var socket = await host.WebSocketAsync(client.Sid);
        await socket.SendAsync("5");
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await socket.ClosedAsync());
        await client.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "still polling" }));
        AssertJson("""{"text":"echo: still polling"}""", Event(await client.NextMessageAsync()).Data);
    }

    [Fact]
    public async Task A_websocket_session_opens_without_upgrades()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, maxBodyBytes: 9000);
        await using var socket = await host.WebSocketAsync();
        var open = await socket.ReceiveAsync();
        Assert.StartsWith("0{", open);
        var sid = JsonNode.Parse(open![1..])!["sid"]!.GetValue<string>();
        AssertJson($$"""{"sid":"{{sid}}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":9000}""", JsonNode.Parse(open[1..]));
        await socket.SendAsync("40");
        Assert.StartsWith("40{\"sid\":", await socket.NextMessageAsync());
    }

    [Theory]
    [InlineData("GET", "?EIO=4&transport=carrier-pigeon", 0, "Transport unknown")]
    [InlineData("GET", "?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", 1, "Session ID unknown")]
    [InlineData("POST", "?EIO=4&transport=polling", 2, "Bad handshake method")]
    [InlineData("GET", "?EIO=3&transport=polling", 5, "Unsupported protocol version")]
    [InlineData("GET", "?transport=polling", 5, "Unsupported protocol version")]
    [InlineData("GET", "?EIO=4&transport=websocket", 3, "Bad request")]
    public async Task Engine_io_errors_are_400_with_the_reference_servers_codes(string method, string query, int code, string message)
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        using var http = new HttpClient { BaseAddress = host.BaseUri };

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/socket.io/" + query) { Content = method == "POST" ? new StringContent("40") : null });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertJson($$"""{"code":{{code}},"message":"{{message}}"}""", JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_polling_body_over_max_payload_is_413_and_ends_the_session(bool withLength)
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, maxBodyBytes: 4096);
        using var client = host.Polling();
        await client.HandshakeAsync();
        var body = Emit("user_uttered", new JsonObject { ["message"] = new string('x', 5000) });
        var content = withLength ? (HttpContent)new StringContent(body) : new StreamContent(new NoLengthStream(System.Text.Encoding.UTF8.GetBytes(body)));

        var (status, _) = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, client.Url) { Content = content });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertGone(await client.PollAsync());
    }

    [Fact]
    public async Task A_websocket_message_over_max_payload_closes_it_with_1009()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, maxBodyBytes: 4096);
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = new string('x', 4100) }));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await socket.ClosedAsync());
    }

    [Theory]
    // Engine.IO packets the server cannot take: the websocket closes with 1002.
    [InlineData("9", WebSocketCloseStatus.ProtocolError)]
    [InlineData("", WebSocketCloseStatus.ProtocolError)]
    [InlineData("bAQID", WebSocketCloseStatus.ProtocolError)]
    // Socket.IO packets that do not parse: socket.io closes the connection, as its reference server does, with a normal close.
    [InlineData("42[\"user_uttered\",{", WebSocketCloseStatus.NormalClosure)]
    [InlineData("42{\"user_uttered\":1}", WebSocketCloseStatus.NormalClosure)]
    [InlineData("451-[\"user_uttered\",{\"_placeholder\":true,\"num\":0}]", WebSocketCloseStatus.NormalClosure)]
    [InlineData("47[\"x\"]", WebSocketCloseStatus.NormalClosure)]
    [InlineData("44{\"message\":\"a client may not send CONNECT_ERROR\"}", WebSocketCloseStatus.NormalClosure)]
    // The client's close packet.
    [InlineData("1", WebSocketCloseStatus.NormalClosure)]
    public async Task A_websocket_packet_that_breaks_the_protocol_closes_the_session(string packet, WebSocketCloseStatus status)
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;

        await socket.SendAsync(packet);

        Assert.Equal(status, await socket.ClosedAsync());
    }

    [Fact]
    public async Task A_binary_websocket_frame_closes_it_with_1003()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;

        await socket.SendBinaryAsync([1, 2, 3]);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await socket.ClosedAsync());
    }

    [Theory]
    [InlineData("42[\"user_uttered\",{")]
    [InlineData("bAQID")]
    [InlineData("9")]
    [InlineData("451-[\"user_uttered\",{\"_placeholder\":true,\"num\":0}]")]
    public async Task A_polling_packet_that_breaks_the_protocol_closes_the_session(string packet)
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        using var client = host.Polling();
        await client.HandshakeAsync();
        await client.PostAsync("40");
        Assert.StartsWith("40{", await client.NextMessageAsync());

        var (status, body) = await client.PostAsync(packet);

        // An Engine.IO-level error is refused at once; a bad Socket.IO packet after the body was taken.
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{status} {body}");
        AssertGone(await client.PollAsync());
    }

    [Fact]
    public async Task A_session_that_does_not_answer_the_ping_is_dropped_and_one_that_does_stays()
    {
        var settings = SocketIOSettings.Default with { PingInterval = TimeSpan.FromMilliseconds(300), PingTimeout = TimeSpan.FromMilliseconds(1000) };
        await using var host = await SocketIOHost.StartAsync(settings);
        using var silent = host.Polling();
        using var answering = host.Polling();
        Assert.Equal(300, (await silent.HandshakeAsync())["pingInterval"]!.GetValue<int>());
        await answering.HandshakeAsync();
        await silent.PostAsync("40");
        await answering.PostAsync("40");
        Assert.StartsWith("40{", await silent.NextMessageAsync());
        Assert.StartsWith("40{", await answering.NextMessageAsync());
        // The silent client takes the server's ping and never answers it.
        Assert.Contains("2", (await silent.PollAsync()).Packets);

        var started = DateTime.UtcNow;
        var pongs = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(3))
        {
            var (status, packets, body) = await answering.PollAsync();
            Assert.True(status == HttpStatusCode.OK && !packets.Contains("1"), $"{(int)status} {body}");
            if (packets.Contains("2"))
            {
                await answering.PostAsync("3");
                pongs++;
            }
        }
        Assert.True(pongs >= 3, $"{pongs} pings in 3 s at an interval of 300 ms");

        AssertGone(await silent.PollAsync());
        await answering.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "alive" }));
        AssertJson("""{"text":"echo: alive"}""", Event(await answering.NextMessageAsync()).Data);
    }

    [Fact]
    public async Task A_websocket_that_does_not_answer_the_ping_is_closed()
    {
        var settings = SocketIOSettings.Default with { PingInterval = TimeSpan.FromMilliseconds(200), PingTimeout = TimeSpan.FromMilliseconds(200) };
        await using var host = await SocketIOHost.StartAsync(settings);
        await using var socket = await host.WebSocketAsync();
        Assert.StartsWith("0{", await socket.ReceiveAsync());
        Assert.Equal("2", await socket.ReceiveAsync());

        Assert.Null(await socket.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task A_session_without_a_connect_is_closed_after_the_connect_timeout()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { ConnectTimeout = TimeSpan.FromSeconds(1) });
        using var idle = host.Polling();
        using var connected = host.Polling();
        await idle.HandshakeAsync();
        await connected.HandshakeAsync();
        await connected.PostAsync("40");
        Assert.StartsWith("40{", await connected.NextMessageAsync());

        AssertGone(await idle.PollAsync());
        await connected.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "in time" }));
        AssertJson("""{"text":"echo: in time"}""", Event(await connected.NextMessageAsync()).Data);
    }

    [Fact]
    public async Task An_upgrade_that_stalls_after_its_probe_is_given_up_and_polling_goes_on()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { UpgradeTimeout = TimeSpan.FromSeconds(1) });
        using var client = host.Polling();
        await client.HandshakeAsync();
        await client.PostAsync("40");
        Assert.StartsWith("40{", await client.NextMessageAsync());

        await using var socket = await host.WebSocketAsync(client.Sid);
        await socket.SendAsync("2probe");
        Assert.Equal("3probe", await socket.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.ProtocolError, await socket.ClosedAsync());

        await client.PostAsync(Emit("user_uttered", new JsonObject { ["message"] = "still polling" }));
        AssertJson("""{"text":"echo: still polling"}""", Event(await client.NextMessageAsync()).Data);
    }

    [Fact]
    public async Task Two_polls_at_once_are_refused_and_end_the_session()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        using var client = host.Polling();
        await client.HandshakeAsync();
        var first = client.PollAsync();
        await Task.Delay(300);

        var second = await client.PollAsync();

        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        AssertJson("""{"code":3,"message":"Bad request"}""", JsonNode.Parse(second.Body));
        AssertGone(await first);
    }

    [Fact]
    public async Task A_page_on_another_origin_polls_only_when_cors_origins_lists_it()
    {
        const string shop = "http://shop.example";
        foreach (var listed in new[] { false, true })
        {
            await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default, corsOrigins: listed ? [shop] : null);
            using var http = new HttpClient { BaseAddress = host.BaseUri };
            http.DefaultRequestHeaders.Add("Origin", shop);
            using var client = new PollingClient(http, "/socket.io/");

            using var handshake = await http.GetAsync(client.Url);
            Assert.Equal(HttpStatusCode.OK, handshake.StatusCode);
            Assert.Equal(listed ? [shop] : [], handshake.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowed) ? allowed : []);
            client.Sid = JsonNode.Parse((await handshake.Content.ReadAsStringAsync())[1..])!["sid"]!.GetValue<string>();
            // socket.io-client posts text/plain: a "simple" request, which the server refuses unless the origin is listed.
            var (status, body) = await client.PostAsync("40");
            Assert.Equal(listed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, status);
            if (listed)
                Assert.Equal("ok", body);
        }
    }

    [Fact]
    public async Task Stopping_the_server_closes_its_sessions_at_once()
    {
        var host = await SocketIOHost.StartAsync(SocketIOSettings.Default);
        var (socket, _) = await host.ConnectedWebSocketAsync();
        await using var _socket = socket;
        using var client = host.Polling();
        await client.HandshakeAsync();
        var pending = client.PollAsync();
        await Task.Delay(200);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var stopping = host.DisposeAsync().AsTask();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await socket.ClosedAsync());
        Assert.Equal((HttpStatusCode.OK, "1"), ((await pending).Status, (await pending).Body));
        await stopping;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the server took {watch.Elapsed} to stop");
    }

    /// <summary>A session that is gone: its next poll is the close packet, or engine.io's "Session ID unknown".</summary>
    private static void AssertGone((HttpStatusCode Status, string[] Packets, string Body) poll) =>
        Assert.True(poll is (HttpStatusCode.OK, _, "1") || (poll.Status == HttpStatusCode.BadRequest && poll.Body.Contains("\"code\":1", StringComparison.Ordinal)),
            $"the session is still there: {(int)poll.Status} {poll.Body}");

    /// <summary>A body of unknown length (sent chunked), which only reading it can find too large.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
