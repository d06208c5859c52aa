using System.CommandLine;
using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Cli.Commands;

/// <summary>`kefu shell`: chat with the trained bot in the terminal; /debug shows intent, confidence and policies.</summary>
internal static class ShellCommand
{
    public static Command Create()
    {
        var project = CommonOptions.Project();
        var model = CommonOptions.Model();
        var debug = new Option<bool>("--debug") { Description = "Show intent, confidence and the policy behind each action" };
        var command = new Command("shell", "Chat with the bot in the terminal") { project, model, debug };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() => RunAsync(parse.GetValue(project)!, parse.GetValue(model), parse.GetValue(debug), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string projectDir, string? modelPath, bool debug, CancellationToken ct)
    {
        var bot = BotLoader.LoadOrTrain(projectDir, modelPath, Console.Error);
        using var knowledge = Kefu.Server.Knowledge.ProjectKnowledge.Open(projectDir, Console.Error);
        using var reminders = new ReminderClock();
        var agent = BotLoader.CreateAgent(bot, new InMemoryEventStore(), knowledge: knowledge,
            generator: Kefu.Generation.Nlg.LocalNlgConfig.Load(bot.Project.Directory)?.CreateRewriter(Console.Error), projectDirectory: projectDir,
            reminders: reminders);
        var id = "shell-" + Guid.NewGuid().ToString("N")[..8];
        // a reminder the bot set fires while the shell waits for input: its messages are printed as they come
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var firing = reminders.RunAsync(async (conversation, reminder, token) =>
        {
            try
            {
                if (await agent.FireReminderAsync(conversation, reminder, token) is not { Count: > 0 } said) return;
                Console.WriteLine();
                foreach (var reply in said) Print(reply);
                Console.Write("> ");
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                Console.Error.WriteLine($"\n(reminder {reminder.Name} could not fire: {e.Message})");
            }
        }, stop.Token);
        IReadOnlyList<BotButton> buttons = [];
        Console.WriteLine("Kefu shell. Type a message; /debug toggles details, a number clicks a button, /restart starts over, /exit quits.");
        while (!ct.IsCancellationRequested)
        {
            Console.Write("> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() is "/exit" or "/quit") break;
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line == "/debug")
            {
                debug = !debug;
                Console.WriteLine(debug ? "(details on)" : "(details off)");
                continue;
            }
            if (int.TryParse(line, out var n) && n >= 1 && n <= buttons.Count) line = buttons[n - 1].Payload;

            var replies = await agent.HandleMessageAsync(id, line, ct: ct);
            buttons = replies.LastOrDefault(r => r.Buttons is { Count: > 0 })?.Buttons ?? [];
            var tracker = await agent.GetTrackerAsync(id, ct);
            if (debug) PrintDetails(tracker);
            foreach (var reply in replies) Print(reply);
            // The shell has no agent to answer: without this line a handed-off conversation just goes quiet.
            if (tracker.GetProperty("paused").GetBoolean())
                Console.WriteLine("   (handed off to a human agent: the bot stays silent; /restart starts over)");
        }
        await stop.CancelAsync();
        await firing;
        return 0;
    }

    private static void Print(BotMessage reply)
    {
        if (reply.Text is { } text) Console.WriteLine($"🤖 {text}");
        if (reply.Image is { } image) Console.WriteLine($"   [image] {image}");
        for (int i = 0; i < (reply.Buttons?.Count ?? 0); i++) Console.WriteLine($"   [{i + 1}] {reply.Buttons![i].Title}");
        if (reply.Custom is { } custom) Console.WriteLine($"   [custom] {custom.GetRawText()}");
    }

    /// <summary>The latest turn from the tracker: the parse, then each action with its policy and confidence.</summary>
    private static void PrintDetails(JsonElement tracker)
    {
        var events = tracker.GetProperty("events").EnumerateArray().ToList();
        int lastUser = events.FindLastIndex(e => e.GetProperty("event").GetString() == "user");
        if (lastUser < 0) return;
        var parse = events[lastUser].GetProperty("parse_data");
        if (parse.ValueKind == JsonValueKind.Object)
        {
            var intent = parse.GetProperty("intent");
            Console.WriteLine($"   · intent {intent.GetProperty("name").GetString()} ({intent.GetProperty("confidence").GetDouble():0.00})");
            foreach (var e in parse.GetProperty("entities").EnumerateArray())
                Console.WriteLine($"   · entity {e.GetProperty("entity").GetString()} = {e.GetProperty("value")}");
        }
        foreach (var e in events.Skip(lastUser + 1).Where(e => e.GetProperty("event").GetString() == "action"))
        {
            var confidence = e.GetProperty("confidence") is { ValueKind: JsonValueKind.Number } c ? c.GetDouble().ToString("0.00") : "-";
            Console.WriteLine($"   · action {e.GetProperty("name").GetString()} ← {e.GetProperty("policy")} ({confidence})");
        }
    }
}
