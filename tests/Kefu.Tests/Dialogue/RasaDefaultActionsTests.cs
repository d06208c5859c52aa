using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>Rasa's default actions as a Rasa project sees them: restart, session start, overriding a default.</summary>
public class RasaDefaultActionsTests
{
    [Fact]
    public async Task Restart_starts_a_new_session_then_listens()
    {
        var store = new InMemoryEventStore();
        var chat = new Chat(TinyShop.Agent(store), "c1").Send("/return_refund").Expect("订单号").Send("/restart");
        var events = (await store.LoadAsync("c1")).Select(RasaEventJson.FromStored)
            .SkipWhile(e => e is not ActionExecuted { Name: ActionNames.Restart })
            .Where(e => e is ActionExecuted or Restarted or SessionStarted)
            .Select(e => e is ActionExecuted a ? a.Name : e.GetType().Name);
        // Rasa's Restarted.apply_to triggers action_session_start, after which the bot predicts nothing more.
        Assert.Equal([ActionNames.Restart, nameof(Restarted), ActionNames.SessionStart, nameof(SessionStarted), ActionNames.Listen], events);
        chat.Send("/greet").Expect("您好");
    }

    [Fact]
    public void A_default_action_the_domain_declares_is_the_projects_own()
    {
        var project = TinyShop.WriteAndLoad();
        var own = new DelegateAction(ActionNames.SessionStart, _ => [new SessionStarted(), new ActionExecuted(ActionNames.Listen)]);
        IAction? Server(string name) => name == ActionNames.SessionStart ? own : null;

        // Undeclared, the built-in answers even when the action server would.
        Assert.NotSame(own, BotFactory.CreateActions(project.Domain, [], Server).Find(ActionNames.SessionStart));

        using var declaring = new TempProject("kefu-defaults-",
            ("domain.yml", TinyShop.Domain.Replace("actions: [action_submit_return", "actions: [action_session_start, action_submit_return")),
            ("config.yml", TinyShop.Config), ("data/rules.yml", TinyShop.Rules));
        var domain = Kefu.Projects.RasaProject.Load(declaring.Dir).Domain;
        Assert.Same(own, BotFactory.CreateActions(domain, [], Server).Find(ActionNames.SessionStart));
        Assert.NotNull(BotFactory.CreateActions(domain, [], Server).Find(ActionNames.Restart));
    }

    [Theory]
    [InlineData("zh", "抱歉，系统暂时出了点问题，请稍后再试。")]
    [InlineData("zh-CN", "抱歉，系统暂时出了点问题，请稍后再试。")]
    [InlineData("en", "Sorry, something went wrong on our side. Please try again in a moment.")]
    public void The_action_error_is_said_in_the_projects_language(string language, string text) =>
        Assert.Equal(text, AgentOptions.For(language).ActionErrorText);
}
