using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Tests.Actions;

public class ActionServiceCollectionTests
{
    public sealed record Greeting(string Text);

    public sealed class GreetAction(Greeting greeting) : IAction
    {
        public string Name => "action_greet_test";

        public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<DialogueEvent>>([new BotUttered(new Kefu.Dialogue.BotMessage(greeting.Text))]);
    }

    public abstract class AbstractAction : IAction
    {
        public abstract string Name { get; }
        public abstract Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct);
    }

    [Fact]
    public void An_action_is_registered_once_as_a_singleton_with_its_dependencies()
    {
        using var provider = new ServiceCollection()
            .AddSingleton(new Greeting("你好"))
            .AddKefuAction<GreetAction>()
            .AddKefuAction<GreetAction>()
            .BuildServiceProvider();

        var actions = provider.GetServices<IAction>().ToList();
        Assert.Equal("action_greet_test", Assert.Single(actions).Name);
        Assert.Same(actions[0], provider.GetServices<IAction>().Single());
    }

    [Fact]
    public void An_assembly_scan_finds_public_concrete_actions_only()
    {
        var types = ActionServiceCollectionExtensions.ActionTypes(typeof(ActionServiceCollectionTests).Assembly).ToList();
        Assert.Contains(typeof(GreetAction), types);
        Assert.DoesNotContain(typeof(AbstractAction), types);

        var services = new ServiceCollection().AddKefuActions(typeof(ActionServiceCollectionTests).Assembly);
        Assert.Contains(services, d => d.ServiceType == typeof(IAction) && d.ImplementationType == typeof(GreetAction)
            && d.Lifetime == ServiceLifetime.Singleton);
    }
}
