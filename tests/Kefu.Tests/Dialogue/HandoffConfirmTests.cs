using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>action_handoff asking first on a low-confidence guess (console.yml confirm_handoff_below), and the bot's messages outside a turn.</summary>
public sealed class HandoffConfirmTests
{
    private static bool Paused(IChatService agent, string id) =>
        agent.GetTrackerAsync(id).GetAwaiter().GetResult().GetProperty("paused").GetBoolean();

    [Fact]
    public void A_low_confidence_guess_asks_first_and_hands_off_on_yes()
    {
        var agent = TinyShop.Agent(more: new ConfirmingHandoffAction(0.6f));
        var chat = new Chat(agent, "guess").Send("/request_human@0.43").Expect(ConfirmingHandoffAction.BuiltInQuestion);
        Assert.Equal(["/request_human", "/deny"], chat.Replies.Single().Buttons!.Select(b => b.Payload));
        Assert.False(Paused(agent, "guess"));

        chat.Send(chat.Replies.Single().Buttons![0].Payload).Expect("正在为您转接人工客服");
        Assert.True(Paused(agent, "guess"));
    }

    [Fact]
    public void No_keeps_the_bot_and_a_confident_request_hands_off_at_once()
    {
        var agent = TinyShop.Agent(more: new ConfirmingHandoffAction(0.6f));
        var chat = new Chat(agent, "no").Send("/request_human@0.43").Expect(ConfirmingHandoffAction.BuiltInQuestion);
        chat.Send(ConfirmingHandoffAction.DenyPayload);
        Assert.False(Paused(agent, "no"));
        chat.Send("/greet").Expect("您好，我是小客");

        new Chat(agent, "sure").Send("/request_human@0.6").Expect("正在为您转接人工客服");
        Assert.True(Paused(agent, "sure"));
    }

    [Fact]
    public void Without_the_setting_a_guess_hands_off_as_before()
    {
        var agent = TinyShop.Agent();
        new Chat(agent, "plain").Send("/request_human@0.43").Expect("正在为您转接人工客服");
        Assert.True(Paused(agent, "plain"));
    }

    [Fact]
    public void Kefu_serve_and_shell_read_the_threshold_from_console_yml()
    {
        using var project = new TempProject("kefu-handoff-confirm-", ("domain.yml", TinyShop.Domain), ("config.yml", TinyShop.Config),
            ("data/rules.yml", TinyShop.Rules), ("data/stories.yml", "version: \"3.1\"\nstories: []\n"), ("console.yml", "confirm_handoff_below: 0.6\n"),
            ("data/nlu.yml", "version: \"3.1\"\nnlu:\n- intent: request_human\n  examples: |\n    - 转人工\n    - 我要人工客服\n- intent: greet\n  examples: |\n    - 你好\n    - 您好\n"));
        var agent = Kefu.Cli.BotLoader.CreateAgent(Kefu.Cli.BotLoader.LoadOrTrain(project.Dir, null, TextWriter.Null), new InMemoryEventStore());

        new Chat(agent, "loaded").Send("/request_human@0.43").Expect(ConfirmingHandoffAction.BuiltInQuestion);
        Assert.False(Paused(agent, "loaded"));
    }

    [Fact]
    public async Task The_domain_words_the_question_and_the_queue_notice()
    {
        var domain = TinyShop.Domain.Replace("  utter_default:",
            "  utter_ask_handoff_confirm:\n    - text: 需要为您转接人工吗？\n  utter_handoff_queue:\n    - text: 前面还有 {position} 位\n  utter_default:",
            StringComparison.Ordinal);
        RasaProject project;
        using (var folder = new TempProject("kefu-handoff-", ("domain.yml", domain), ("config.yml", TinyShop.Config),
            ("data/rules.yml", TinyShop.Rules), ("data/stories.yml", "version: \"3.1\"\nstories: []\n")))
            project = RasaProject.Load(folder.Dir);
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(project, store, null, new ConfirmingHandoffAction(0.6f));

        var chat = new Chat(agent, "worded").Send("/request_human@0.2").Expect("需要为您转接人工吗？");
        Assert.Equal(2, chat.Replies.Single().Buttons!.Count);
        chat.Send("/request_human");
        await agent.SayAsync("worded", "utter_handoff_queue", new Dictionary<string, string> { ["position"] = "3" }, "built-in");
        await agent.SayAsync("worded", "utter_handoff_offline", new Dictionary<string, string>(), "下班了");

        await agent.HandBackAsync("worded");
        await agent.SayAsync("worded", "utter_handoff_queue", new Dictionary<string, string> { ["position"] = "0" }, "built-in");   // moot: not said

        var texts = (await store.LoadAsync("worded")).Where(e => e.Type == "bot")
            .Select(e => JsonDocument.Parse(e.Utf8Json).RootElement.GetProperty("text").GetString()).ToList();
        Assert.Equal(["前面还有 3 位", "下班了", "人工客服已结束，小客继续为您服务。"], texts[^3..]);
    }
}
