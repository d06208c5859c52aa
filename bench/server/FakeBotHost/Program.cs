using Kefu.Dialogue;
using Kefu.Server;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

// Usage: FakeBotHost [PORT] [DATABASE|memory] [full|normal]
//   defaults: 5099, a fresh file under the temp folder, full durability.
//   "memory" keeps events in memory, to tell the HTTP path's cost from SQLite's.
var port = args.Length > 0 ? int.Parse(args[0]) : 5099;
var database = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), $"kefu-bench-{Environment.ProcessId}.db");
var durability = args.Length > 2 && args[2] == "normal" ? SqliteDurability.Normal : SqliteDurability.Full;

var app = KefuServer.Build(
    new KefuServerOptions
    {
        Host = "127.0.0.1", Port = port, DatabasePath = database, Durability = durability,
        // No file to put a key file beside: sessions last as long as the process.
        SessionKey = database == "memory" ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : null,
    },
    services =>
    {
        if (database == "memory")
            services.AddSingleton<IEventStore, InMemoryEventStore>();
        services.AddSingleton<IChatService, EchoChatService>();
    });
app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("fake echo bot", "echo", null));
await app.RunAsync();
