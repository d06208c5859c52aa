using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Server.Channels.SocketIO;
using static Kefu.Server.Tests.Channels.SocketIO.SocketIOPackets;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>
/// jwt_key: Rasa's socketio connect handler takes the CONNECT packet's auth payload {"token": JWT} and refuses the
/// connection unless the token is valid. The tokens here are signed by the test itself (RFC 7515 JWS compact form).
/// </summary>
public sealed class SocketIOJwtTests
{
    private const string Secret = "kefu-socketio-test-secret-0123456789";

    [Fact]
    public async Task Hs256_a_connect_needs_a_valid_token()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { JwtKey = Secret });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var valid = Hs256(new { user = new { username = "u1" }, exp = now + 600 }, Secret);
        string?[] refused =
        [
            null,
            "not-a-jwt",
            Hs256(new { exp = now + 600 }, Secret + "x"),
            Hs256(new { exp = now - 600 }, Secret),
            Hs256(new { nbf = now + 600 }, Secret),
            Unsigned(new { exp = now + 600 }),
            valid[..^2] + (valid[^2] == 'A' ? "BA" : "AA"),
        ];
        foreach (var token in refused)
            await AssertRefusedAsync(host, token is null ? "40" : "40" + new JsonObject { ["token"] = token }.ToJsonString());
        await AssertRefusedAsync(host, "40{}");

        await AssertConnectedAsync(host, valid);
        await AssertConnectedAsync(host, "Bearer " + valid);
        // Rasa's examples sign tokens without exp: they do not expire.
        await AssertConnectedAsync(host, Hs256(new { user = new { username = "u2" } }, Secret));
    }

    [Fact]
    public async Task Rs256_takes_a_pem_public_key_and_refuses_other_keys_and_algorithms()
    {
        using var rsa = RSA.Create(2048);
        using var other = RSA.Create(2048);
        var pem = rsa.ExportSubjectPublicKeyInfoPem();
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { JwtKey = pem, JwtMethod = "RS256" });
        var exp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600;

        await AssertConnectedAsync(host, Rs256(new { exp }, rsa));
        await AssertRefusedAsync(host, "40" + new JsonObject { ["token"] = Rs256(new { exp }, other) }.ToJsonString());
        // The public key used as an HMAC secret (algorithm confusion) is refused.
        await AssertRefusedAsync(host, "40" + new JsonObject { ["token"] = Hs256(new { exp }, pem) }.ToJsonString());
    }

    [Fact]
    public async Task Events_before_an_accepted_connect_run_no_turn()
    {
        await using var host = await SocketIOHost.StartAsync(SocketIOSettings.Default with { JwtKey = Secret });
        await using var socket = await host.WebSocketAsync();
        Assert.StartsWith("0{", await socket.ReceiveAsync());
        await socket.SendAsync("40");
        Assert.StartsWith("44{", await socket.NextMessageAsync());

        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "sneaky" }));
        await socket.SendAsync("40" + new JsonObject { ["token"] = Hs256(new { }, Secret) }.ToJsonString());

        // The event was dropped: the next packet is the CONNECT answer, not a bot_uttered.
        var connected = await socket.NextMessageAsync();
        Assert.StartsWith("40{", connected);
        var socketId = JsonNode.Parse(connected[2..])!["sid"]!.GetValue<string>();
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "allowed" }));
        AssertJson("""{"text":"echo: allowed"}""", Event(await socket.NextMessageAsync()).Data);
        Assert.Equal(["allowed"], await host.UserTextsAsync("socketio:" + socketId));
    }

    private static async Task AssertRefusedAsync(SocketIOHost host, string connect)
    {
        await using var socket = await host.WebSocketAsync();
        Assert.StartsWith("0{", await socket.ReceiveAsync());
        await socket.SendAsync(connect);
        var answer = await socket.NextMessageAsync();
        Assert.True(answer.StartsWith("44{", StringComparison.Ordinal), $"{connect} was answered {answer}");
        Assert.Contains("Not authorized", JsonNode.Parse(answer[2..])!["message"]!.GetValue<string>());
    }

    private static async Task AssertConnectedAsync(SocketIOHost host, string token)
    {
        var (socket, _) = await host.ConnectedWebSocketAsync("40" + new JsonObject { ["token"] = token }.ToJsonString());
        await using var _ = socket;
        await socket.SendAsync(Emit("user_uttered", new JsonObject { ["message"] = "hi" }));
        AssertJson("""{"text":"echo: hi"}""", Event(await socket.NextMessageAsync()).Data);
    }

    private static string Hs256(object payload, string secret) =>
        Sign("HS256", payload, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input));

    private static string Rs256(object payload, RSA key) =>
        Sign("RS256", payload, input => key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private static string Unsigned(object payload) => Sign("none", payload, _ => []);

    private static string Sign(string algorithm, object payload, Func<byte[], byte[]> signature)
    {
        var input = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = algorithm, typ = "JWT" })) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        return input + "." + Base64Url(signature(Encoding.ASCII.GetBytes(input)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
