using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Channels;
using Kefu.Server.Channels.SocketIO;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>The server with only the socketio channel, on real Kestrel (port 0), the echo bot and an in-memory store.</summary>
internal sealed class SocketIOHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SocketIOHost(WebApplication app, InMemoryEventStore store)
    {
        _app = app;
        Store = store;
        BaseUri = new Uri(app.Urls.Single());
    }

    public Uri BaseUri { get; }

    public IServiceProvider Services => _app.Services;

    public InMemoryEventStore Store { get; }

    public static async Task<SocketIOHost> StartAsync(SocketIOSettings settings, long maxBodyBytes = 64 * 1024,
        Func<IEventStore, IChatService>? chat = null, string[]? corsOrigins = null, bool ready = true)
    {
        var store = new InMemoryEventStore();
        var options = new KefuServerOptions
        {
            Port = 0, MaxRequestBodyBytes = maxBodyBytes, SessionKey = TestHost.SessionKey, CorsOrigins = corsOrigins ?? [],
            Channels = ChannelSettings.None with { SocketIO = settings },
        };
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            services.AddSingleton(chat?.Invoke(store) ?? new EchoChatService(store));
        });
        var app = KefuServer.Build(builder);
        if (ready)
            app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await app.StartAsync();
        return new SocketIOHost(app, store);
    }

    public PollingClient Polling(string path = "/socket.io/") => new(new HttpClient { BaseAddress = BaseUri }, path);

    public Task<WebSocketClient> WebSocketAsync(string? sid = null, string path = "/socket.io/") =>
        WebSocketClient.ConnectAsync(new Uri(BaseUri, $"{path}?EIO=4&transport=websocket" + (sid is null ? "" : "&sid=" + sid)));

    /// <summary>A websocket session that has connected to the namespace "/": its Socket.IO id.</summary>
    public async Task<(WebSocketClient Socket, string SocketId)> ConnectedWebSocketAsync(string connect = "40")
    {
        var socket = await WebSocketAsync();
        Assert.StartsWith("0{", await socket.ReceiveAsync());
        await socket.SendAsync(connect);
        var answer = await socket.NextMessageAsync();
        Assert.StartsWith("40{", answer);
        return (socket, JsonNode.Parse(answer[2..])!["sid"]!.GetValue<string>());
    }

    public async Task<string[]> UserTextsAsync(string conversation) =>
        [.. (await Store.LoadAsync(conversation)).Where(e => e.Type == "user").Select(e => JsonNode.Parse(e.Json)!["text"]!.GetValue<string>())];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The client side of Engine.IO v4 HTTP long-polling, from the protocol (https://socket.io/docs/v4/engine-io-protocol/):
/// GET ?EIO=4&amp;transport=polling opens a session (packet 0 with its sid), GET with the sid long-polls for packets,
/// POST with the sid sends packets; several packets in one body are separated by 0x1E.
/// </summary>
internal sealed class PollingClient(HttpClient http, string path) : IDisposable
{
    private readonly Queue<string> _received = new();

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public string? Sid { get; set; }

    public string Url => $"{path}?EIO=4&transport=polling" + (Sid is null ? "" : "&sid=" + Sid);

    /// <summary>The open packet's JSON; the client now has its sid.</summary>
    public async Task<JsonObject> HandshakeAsync()
    {
        using var response = await http.GetAsync(Url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("0{", body);
        var open = JsonNode.Parse(body[1..])!.AsObject();
        Sid = open["sid"]!.GetValue<string>();
        return open;
    }

    public async Task<(HttpStatusCode Status, string Body)> PostAsync(params string[] packets) =>
        await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(string.Join('\u001e', packets), Encoding.UTF8, "text/plain") });

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request)
    {
        using var timeout = new CancellationTokenSource(Wait);
        using var response = await http.SendAsync(request, timeout.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
    }

    /// <summary>One long-polling GET: its status and its packets.</summary>
    public async Task<(HttpStatusCode Status, string[] Packets, string Body)> PollAsync()
    {
        var (status, body) = await SendAsync(new HttpRequestMessage(HttpMethod.Get, Url));
        return (status, body.Split('\u001e'), body);
    }

    /// <summary>The next message packet (type 4), polling for more when none is left from the last poll, answering the server's pings.</summary>
    public async Task<string> NextMessageAsync()
    {
        while (true)
        {
            while (_received.TryDequeue(out var packet))
            {
                if (packet == "2")
                    await PostAsync("3");
                else if (packet.StartsWith('4'))
                    return packet;
                else
                    Assert.True(packet == "6", $"an unexpected packet while waiting for a message: {packet}");
            }
            var (status, packets, body) = await PollAsync();
            Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
            foreach (var packet in packets)
                _received.Enqueue(packet);
        }
    }

    public void Dispose() => http.Dispose();
}

/// <summary>A raw websocket to the Engine.IO endpoint: text frames are Engine.IO packets, one per frame.</summary>
internal sealed class WebSocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public WebSocketState State => _socket.State;

    public static async Task<WebSocketClient> ConnectAsync(Uri http)
    {
        var client = new WebSocketClient();
        var ws = new UriBuilder(http) { Scheme = "ws" }.Uri;
        using var timeout = new CancellationTokenSource(PollingClient.Wait);
        await client._socket.ConnectAsync(ws, timeout.Token);
        return client;
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] data) => _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);

    /// <summary>The next text frame; null once the server has closed the websocket (<see cref="CloseStatus"/> says how).</summary>
    public async Task<string?> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(PollingClient.Wait);
        using var message = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // RFC 6455 5.5.1: the close frame is answered with one.
                if (_socket.State == WebSocketState.CloseReceived)
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                return null;
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    /// <summary>The next message packet (type 4), answering the server's pings.</summary>
    public async Task<string> NextMessageAsync()
    {
        while (true)
        {
            var packet = await ReceiveAsync();
            Assert.True(packet is not null, $"the server closed the websocket ({CloseStatus} {_socket.CloseStatusDescription}) while a message was awaited");
            if (packet == "2")
                await SendAsync("3");
            else if (packet.StartsWith('4'))
                return packet;
            else
                Assert.Fail($"an unexpected packet while waiting for a message: {packet}");
        }
    }

    /// <summary>Reads until the server closes the websocket; its close status.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync()
    {
        while (await ReceiveAsync() is not null)
        {
        }
        return CloseStatus;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}

/// <summary>Socket.IO v5 packets as Engine.IO messages (https://socket.io/docs/v4/socket-io-protocol/).</summary>
internal static class SocketIOPackets
{
    /// <summary>An EVENT on "/": 42["name",data].</summary>
    public static string Emit(string name, JsonNode? data) => "42" + new JsonArray(name, data).ToJsonString();

    /// <summary>The name and first argument of an EVENT message 42[...] on "/".</summary>
    public static (string Name, JsonNode? Data) Event(string message)
    {
        Assert.StartsWith("42[", message);
        var array = JsonNode.Parse(message[2..])!.AsArray();
        return (array[0]!.GetValue<string>(), array.Count > 1 ? array[1] : null);
    }

    public static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");
}

/// <summary>A chat service around another that logs each turn's metadata as JSON text ("none" without).</summary>
internal sealed class MetadataLog
{
    private readonly List<string> _seen = [];

    public string[] Seen
    {
        get
        {
            lock (_seen)
                return [.. _seen];
        }
    }

    public IChatService Around(IChatService inner) => new Logging(inner, this);

    private sealed class Logging(IChatService inner, MetadataLog log) : Fakes.DelegatingChatService(inner)
    {
        public override Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default)
        {
            lock (log._seen)
                log._seen.Add(metadata is { } m ? m.GetRawText() : "none");
            return base.HandleMessageAsync(conversationId, text, metadata, ct);
        }
    }
}
