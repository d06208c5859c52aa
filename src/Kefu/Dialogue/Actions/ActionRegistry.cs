using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Finds the action for a name: custom C# actions (registered through DI) first, then Rasa's built-ins,
/// then responses (utter_*), then the fallback for unknown names (an action server when configured).
/// </summary>
public sealed class ActionRegistry
{
    private readonly Dictionary<string, IAction> actions = new(StringComparer.Ordinal);
    private readonly Func<string, IAction?> fallback;

    public ActionRegistry(Domain domain, IEnumerable<IAction> customActions, Func<string, IAction?>? fallback = null)
    {
        foreach (var a in BuiltInActions.All()) actions[a.Name] = a;
        foreach (var r in domain.Responses) actions.TryAdd(r.Name, ResponseAction(r.Name));
        foreach (var a in customActions) actions[a.Name] = a;
        this.fallback = fallback ?? (_ => null);
    }

    public IAction? Find(string name) => actions.TryGetValue(name, out var a) ? a : fallback(name);

    private static IAction ResponseAction(string response) => new DelegateAction(response, c => c.Utter(response));

    public void Add(IAction action) => actions[action.Name] = action;
}

