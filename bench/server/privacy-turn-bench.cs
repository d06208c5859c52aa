#:project ../../src/Kefu.Server/Kefu.Server.csproj
#:project ../../samples/ecommerce-zh/actions/Kefu.Samples.Ecommerce.csproj
#:property PublishAot=false
// Redaction's cost on the dialogue engine alone, in process: two agents over one trained ecommerce-zh model, one with
// every detector on (phone, id_card, bank_card, email, address), one with redaction off, each with its own in-memory
// store, fed bench/server/privacy.lua's six messages (three with personal data) across 1,000 conversations on one
// thread. Rounds alternate on and off so that the machine's load falls on both alike; each prints wall and CPU time
// and managed bytes allocated per turn, then the ratio of CPU time on / off over all rounds.
//   dotnet run bench/server/privacy-turn-bench.cs -c Release [ROUNDS, default 6]
using System.Diagnostics;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Models;
using Kefu.Privacy;
using Kefu.Samples.Ecommerce;

int rounds = args.Length > 0 ? int.Parse(args[0]) : 6;
var project = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "../../samples/ecommerce-zh");
var bot = TrainedBot.LoadOrTrain(project, null);
var declared = bot.Project.Domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
DialogueAgent Agent(PrivacySettings privacy)
{
    // the sample's C# actions as kefu serve runs them: in process (docs/actions.md)
    var custom = EcommerceActions.Create(bot.Project.Directory).Where(a => declared.Contains(a.Name))
        .Select(a => (IAction)new InProcessAction(a)).ToList();
    return BotFactory.CreateAgent(bot.Project.Domain, bot.Nlu, bot.Policies, new InMemoryEventStore(), custom,
        options: new AgentOptions { Privacy = privacy });
}
var on = Agent(PrivacySettings.Parse("privacy:\n  redact: [phone, id_card, bank_card, email, address]\n", "endpoints.yml"));
var off = Agent(PrivacySettings.Parse("privacy:\n  redact: []\n", "endpoints.yml"));

string[] messages = ["你好", "我的手机号是 13812345678，订单到哪了", "订单号 123456789", "退款请打到卡号 6222 0202 0011 2233 446",
    "身份证440304199003071248，邮箱zhang.san@example.com", "好的，谢谢"];
async Task Run(DialogueAgent agent, int turns, int start)
{
    for (int i = start; i < start + turns; i++)
        await agent.HandleMessageAsync($"bench-{i % 1000}", messages[i % messages.Length]);
}

await Run(on, 30_000, 0);
await Run(off, 30_000, 0);
double onCpu = 0, offCpu = 0;
for (int round = 0; round < rounds; round++)
    foreach (var (name, agent) in round % 2 == 0 ? new[] { ("on", on), ("off", off) } : [("off", off), ("on", on)])
    {
        const int turns = 10_000;
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Run(agent, turns, 30_000 + round * turns);
        double wall = clock.Elapsed.TotalMilliseconds * 1000 / turns;
        double used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / turns;
        double kib = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / 1024.0 / turns;
        if (name == "on") onCpu += used; else offCpu += used;
        Console.WriteLine($$"""{"round":{{round + 1}},"redaction":"{{name}}","turn_us":{{wall:F1}},"cpu_us":{{used:F1}},"allocated_kib":{{kib:F1}},"load":{{File.ReadAllText("/proc/loadavg").Split(' ')[0]}}}""");
    }
Console.WriteLine($$"""{"rounds":{{rounds}},"cpu_on_over_off":{{onCpu / offCpu:F3}}}""");
