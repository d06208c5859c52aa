using System.Diagnostics;
using Kefu.Server.Channels;
using Kefu.Server.Channels.SocketIO;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Channels.SocketIO;

/// <summary>The real npm socket.io-client (scripts/socketio-client.sh installs it) against kefu serve's socketio channel on Kestrel.</summary>
public sealed class SocketIOClientTests
{
    private static readonly string Modules = Path.Combine(Environment.GetEnvironmentVariable("KEFU_NODE_MODULES_DIR")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kefu", "node"), "node_modules");

    private const string Script = """
        const { io } = require(process.env.MODULES + "/socket.io-client");
        const socket = io(process.env.URL, { transports: process.env.TRANSPORTS.split(",") });
        const seen = [];
        socket.on("connect", () => socket.emit("session_request", { session_id: "s1" }));
        socket.on("session_confirm", id => { seen.push("confirm:" + id); socket.emit("user_uttered", { message: "/buttons", session_id: id }); });
        socket.on("bot_uttered", m => { seen.push(JSON.stringify(m)); console.log(seen.join("\n") + "\ntransport:" + socket.io.engine.transport.name); process.exit(0); });
        socket.on("connect_error", async e => { const r = await fetch(process.env.URL + "/socket.io/?EIO=4&transport=polling"); console.log("connect_error:" + e.message + " " + r.status + " " + await r.text()); process.exit(2); });
        setTimeout(() => { console.log("timeout " + seen.join(",")); process.exit(3); }, 15000);
        """;

    [SkippableTheory]
    [InlineData("polling,websocket")]
    [InlineData("websocket")]
    public async Task The_npm_client_gets_a_session_and_the_bots_quick_replies(string transports)
    {
        Skip.IfNot(File.Exists(Path.Combine(Modules, "socket.io-client", "package.json")), "socket.io-client is not installed: run scripts/socketio-client.sh");
        var options = new KefuServerOptions
        {
            Port = 0, ProjectDirectory = Directory.CreateTempSubdirectory("kefu-socketio-").FullName,
            Channels = ChannelSettings.None with { SocketIO = SocketIOSettings.Default with { SessionPersistence = true } },
        };
        var app = KefuServer.Build(options, services => services.AddSingleton<Kefu.Dialogue.IChatService, EchoChatService>());
        app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("echo", null, null));
        await app.StartAsync();
        try
        {
            var start = new ProcessStartInfo("node", ["-e", Script]) { RedirectStandardOutput = true };
            start.Environment["MODULES"] = Modules;
            start.Environment["URL"] = app.Urls.Single();
            start.Environment["TRANSPORTS"] = transports;
            using var node = Process.Start(start)!;
            var output = await node.StandardOutput.ReadToEndAsync();
            await node.WaitForExitAsync();

            Assert.True(node.ExitCode == 0, output);
            Assert.Contains("confirm:s1", output);
            Assert.Contains("""{"text":"\u8BF7\u9009\u62E9\uFF1A","quick_replies":[{"content_type":"text","title":"\u67E5\u8BA2\u5355","payload":"/order_status"}""".Replace("\\u8BF7\\u9009\\u62E9\\uFF1A", "请选择：").Replace("\\u67E5\\u8BA2\\u5355", "查订单"), output);
            Assert.Contains("transport:websocket", output);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
