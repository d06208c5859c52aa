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
    /// <paramref name="unknownAction"/> (e.g. the project's action server). A built-in the domain lists under
    /// `actions` (action_session_start, action_restart...) is the project's own when <paramref name="unknownAction"/>
    /// has it, as in Rasa's action_for_name_or_text.
    /// </summary>
    public static ActionRegistry CreateActions(Domain domain, IEnumerable<IAction> customActions,
        Func<string, IAction?>? unknownAction = null)
    {
        var registry = new ActionRegistry(domain, [], unknownAction);
        foreach (var form in domain.Forms) registry.Add(new FormAction(form, registry.Find));
        foreach (var declared in domain.Actions.Where(a => Domain.BuiltInActions.Contains(a.Name)))
            if (unknownAction?.Invoke(declared.Name) is { } overriding) registry.Add(overriding);
        foreach (var action in customActions) registry.Add(action);
        return registry;
    }

    public static DialogueAgent CreateAgent(Domain domain, IMessageParser nlu, PolicyModel policies, IEventStore store,
        IEnumerable<IAction> customActions, Func<string, IAction?>? unknownAction = null,
        AgentOptions? options = null, ILogger<DialogueAgent>? logger = null) =>
        new(new Bot(domain, nlu, policies.ToEnsemble()), store, CreateActions(domain, customActions, unknownAction), options, logger);
}
