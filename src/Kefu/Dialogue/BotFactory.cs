using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Forms;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;
using Microsoft.Extensions.Logging;

namespace Kefu.Dialogue;

/// <summary>Assembles a runnable agent from a domain, an NLU, trained policies and custom actions.</summary>
public static class BotFactory
{
    /// <summary>
    /// Actions resolve in this order: custom C# actions, forms, built-ins, responses, then
    /// <paramref name="unknownAction"/> (e.g. the project's action server).
    /// </summary>
    public static ActionRegistry CreateActions(Domain domain, IEnumerable<IAction> customActions,
        Func<string, IAction?>? unknownAction = null)
    {
        var registry = new ActionRegistry(domain, [], unknownAction);
        foreach (var form in domain.Forms) registry.Add(new FormAction(form, registry.Find));
        foreach (var action in customActions) registry.Add(action);
        return registry;
    }

    public static DialogueAgent CreateAgent(Domain domain, IMessageParser nlu, PolicyModel policies, IEventStore store,
        IEnumerable<IAction> customActions, Func<string, IAction?>? unknownAction = null,
        AgentOptions? options = null, ILogger<DialogueAgent>? logger = null) =>
        new(new Bot(domain, nlu, policies.ToEnsemble()), store, CreateActions(domain, customActions, unknownAction), options, logger);
}
