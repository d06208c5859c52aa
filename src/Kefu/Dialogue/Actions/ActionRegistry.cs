using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Finds the action for a name: custom C# actions (registered through DI) first, then Rasa's built-ins,
/// then responses (utter_*) and retrieval actions (utter_faq for responses utter_faq/...), then the fallback for
/// unknown names (an action server when configured).
/// </summary>
public sealed class ActionRegistry
{
    private readonly Dictionary<string, IAction> actions = new(StringComparer.Ordinal);
    private readonly Func<string, IAction?> fallback;

    public ActionRegistry(Domain domain, IEnumerable<IAction> customActions, Func<string, IAction?>? fallback = null)
    {
        foreach (var a in BuiltInActions.All()) actions[a.Name] = a;
        foreach (var r in domain.Responses)
        {
            actions.TryAdd(r.Name, ResponseAction(r.Name));
            if (r.Name.IndexOf('/') is > 0 and var slash) actions.TryAdd(r.Name[..slash], RetrievalAction(r.Name[..slash]));
        }
        foreach (var a in customActions) actions[a.Name] = a;
        this.fallback = fallback ?? (_ => null);
    }

    public IAction? Find(string name) => actions.TryGetValue(name, out var a) ? a : fallback(name);

    private static IAction ResponseAction(string response) => new DelegateAction(response, c => c.Utter(response));

    /// <summary>
    /// Rasa's ActionRetrieveResponse: `utter_faq` says the response of the full retrieval intent the NLU found in the
    /// latest message (`utter_faq/ask_price`); nothing when the message has none for this intent.
    /// </summary>
    private static IAction RetrievalAction(string name) => new DelegateAction(name, c =>
        c.Tracker.State.LatestMessage?.Parse?.Retrieval is { } full && "utter_" + full.Name is var response
        && response.StartsWith(name + "/", StringComparison.Ordinal) ? c.Utter(response) : []);

    public void Add(IAction action) => actions[action.Name] = action;
}

