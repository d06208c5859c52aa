#:project ../../src/Kefu.Server/Kefu.Server.csproj
#:project ../../samples/ecommerce-zh/actions/Kefu.Samples.Ecommerce.csproj
#:property PublishAot=false
// The dialogue engine alone, in process: the webhook benchmark's six messages across 1,000 conversations on one
// thread, events kept in memory. Prints wall and CPU time and managed bytes allocated per turn, five rounds of
// 20,000 turns after a warm-up of 60,000 (JIT tiering; conversations as long as a benchmark run makes them).
//   dotnet run bench/server/turn-bench.cs -c Release [PROJECT_DIR, default samples/ecommerce-zh]
using System.Diagnostics;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Models;
using Kefu.Samples.Ecommerce;

var project = args.Length > 0 ? args[0] : Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "../../samples/ecommerce-zh");
var bot = TrainedBot.LoadOrTrain(project, null);
var declared = bot.Project.Domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
// the sample's C# actions as kefu serve runs them: in process (docs/actions.md)
var custom = EcommerceActions.Create(bot.Project.Directory).Where(a => declared.Contains(a.Name))
    .Select(a => (IAction)new InProcessAction(a)).ToList();
var agent = BotFactory.CreateAgent(bot.Project.Domain, bot.Nlu, bot.Policies, new InMemoryEventStore(), custom);

string[] messages = ["你好", "我的订单到哪了", "订单号 123456789", "我要退货", "怎么开发票", "好的，谢谢"];
int counter = 0;
async Task Run(int turns)
{
    for (int i = 0; i < turns; i++, counter++)
        await agent.HandleMessageAsync($"bench-{counter % 1000}", messages[counter % messages.Length]);
}

await Run(60_000);
for (int round = 0; round < 5; round++)
{
    const int turns = 20_000;
    long bytes = GC.GetTotalAllocatedBytes(precise: true);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Run(turns);
    double wall = clock.Elapsed.TotalMilliseconds * 1000 / turns;
    double used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / turns;
    double kib = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / 1024.0 / turns;
    Console.WriteLine($$"""{"turn_us":{{wall:F1}},"cpu_us":{{used:F1}},"allocated_kib":{{kib:F1}},"load":{{File.ReadAllText("/proc/loadavg").Split(' ')[0]}}}""");
}
