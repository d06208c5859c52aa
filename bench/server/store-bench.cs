#:project ../../src/Kefu.Server/Kefu.Server.csproj
#:property PublishAot=false
// An event store alone: 64 concurrent appenders (2 events each, 1,000 conversations) for 5 s.
//   dotnet run bench/server/store-bench.cs -c Release [full|normal]              SqliteEventStore
//   dotnet run bench/server/store-bench.cs -c Release postgres CONNECTION_STRING  PostgresEventStore (an empty database)
using System.Collections.Concurrent;
using System.Diagnostics;
using Kefu.Dialogue;
using Kefu.Server.Storage;

var durability = args.Length > 0 && args[0] == "normal" ? SqliteDurability.Normal : SqliteDurability.Full;
var postgres = args.Length > 1 && args[0] == "postgres" ? args[1] : null;
var directory = Directory.CreateTempSubdirectory("kefu-store-bench-");
long appends = 0;
var latencies = new ConcurrentBag<double>();
var clock = Stopwatch.StartNew();
IEventStore store = postgres is null ? new SqliteEventStore(Path.Combine(directory.FullName, "events.db"), durability)
    : new PostgresEventStore(postgres);
using ((IDisposable)store)
{
    await Task.WhenAll(Enumerable.Range(0, 64).Select(worker => Task.Run(async () =>
    {
        for (var i = 0; clock.Elapsed.TotalSeconds < 5; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await store.AppendAsync($"c{(worker * 1000 + i) % 1000}",
            [
                new StoredEvent("user", """{"text":"我的订单到哪了"}""", DateTimeOffset.UtcNow),
                new StoredEvent("bot", """{"text":"请提供订单号"}""", DateTimeOffset.UtcNow),
            ]);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Interlocked.Increment(ref appends);
        }
    })));
}
var seconds = clock.Elapsed.TotalSeconds;
directory.Delete(recursive: true);
var sorted = latencies.Order().ToArray();
Console.WriteLine($$"""{"store":"{{(postgres is null ? "sqlite" : "postgres")}}","durability":"{{durability}}","appends_per_second":{{appends / seconds:F0}},"latency_p50_ms":{{sorted[sorted.Length / 2]:F2}},"latency_p99_ms":{{sorted[(int)(sorted.Length * 0.99)]:F2}}}""");
