using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Something the bot does: it reads the tracker and returns events (messages, slot sets, loop changes).
/// Custom actions in C# implement this and are registered through DI (see <see cref="ActionRegistry"/>).
/// </summary>
public interface IAction
{
    string Name { get; }

    Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct);
}

/// <summary>What an action may look at while it runs.</summary>
public sealed record ActionContext(Tracker Tracker, Domain Domain, ResponseRenderer Responses, string? Channel)
{
    /// <summary>Events of a response by name (utter_*), or none when the domain lacks it.</summary>
    public IReadOnlyList<DialogueEvent> Utter(string response) =>
        Responses.Render(response, Tracker, Channel) is { } message
            ? [new BotUttered(message, response)]
            : [];
}

/// <summary>An action written as a lambda, for small built-ins and tests.</summary>
public sealed class DelegateAction(string name, Func<ActionContext, IReadOnlyList<DialogueEvent>> run) : IAction
{
    public string Name => name;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) =>
        Task.FromResult(run(context));
}
