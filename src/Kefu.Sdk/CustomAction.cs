namespace Kefu.Sdk;

/// <summary>
/// A custom action (rasa_sdk's Action): <see cref="Name"/> is the name the domain lists under `actions:`, and
/// <see cref="RunAsync"/> sends messages through the dispatcher and returns events. Messages reach the user first,
/// then the events apply, as with any Rasa action server.
/// </summary>
public abstract class CustomAction
{
    public abstract string Name { get; }

    public abstract Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain);

    /// <summary>No events, for actions that only send messages.</summary>
    protected static Task<IReadOnlyList<ActionEvent>> Done() => Task.FromResult<IReadOnlyList<ActionEvent>>([]);

    protected static Task<IReadOnlyList<ActionEvent>> Done(params ActionEvent[] events) => Task.FromResult<IReadOnlyList<ActionEvent>>(events);

    protected static Task<IReadOnlyList<ActionEvent>> Done(IEnumerable<ActionEvent> events) => Task.FromResult<IReadOnlyList<ActionEvent>>(events.ToList());
}

/// <summary>
/// Thrown by an action that cannot use this message (rasa_sdk's ActionExecutionRejection): the action server answers
/// HTTP 400 {"error", "action_name"} and the policies choose another action.
/// </summary>
public sealed class ActionExecutionRejection(string actionName, string? message = null)
    : Exception(message ?? $"Custom action '{actionName}' rejected execution.")
{
    public string ActionName { get; } = actionName;
}

/// <summary>What an actions assembly may need to build its actions: the bot project's folder (data files beside it).</summary>
public sealed record ActionSetup(string ProjectDirectory);

/// <summary>
/// Builds an assembly's actions when they need more than a parameterless constructor (shared data, a client). Kefu
/// and `kefu run actions` create every public IActionProvider of the actions assembly and take its actions.
/// </summary>
public interface IActionProvider
{
    IEnumerable<CustomAction> CreateActions(ActionSetup setup);
}
