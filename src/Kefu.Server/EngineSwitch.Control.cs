using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Server;

/// <summary>Rasa's HTTP API on conversations, passed to the current engine (see <see cref="IConversationControl"/>).</summary>
public sealed partial class EngineSwitch : IConversationControl
{
    static IConversationControl Control(IChatService engine) => engine as IConversationControl
        ?? throw new NotSupportedException("the loaded dialogue engine does not offer Rasa's conversation API (IConversationControl)");

    IConversationControl CurrentControl => Control((current ?? Wait()).Engine);

    public Domain Domain => CurrentControl.Domain;

    public IMessageParser Nlu => CurrentControl.Nlu;

    public Dialogue.Policies.PolicyEnsemble Policies => CurrentControl.Policies;

    public bool HasAction(string name) => CurrentControl.HasAction(name);

    public Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        Run(engine => Control(engine).AppendEventsAsync(conversationId, events, ct), ct);

    public Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        Run(engine => Control(engine).ReplaceEventsAsync(conversationId, events, ct), ct);

    public Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities,
        CancellationToken ct = default) =>
        Run(engine => Control(engine).TriggerIntentAsync(conversationId, intent, entities, ct), ct);

    public Task<IReadOnlyList<BotMessage>?> FireReminderAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct = default) =>
        Run(engine => Control(engine).FireReminderAsync(conversationId, reminder, ct), ct);

    public Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence,
        CancellationToken ct = default) =>
        Run(engine => Control(engine).ExecuteActionAsync(conversationId, action, policy, confidence, ct), ct);

    public Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default) =>
        Run(engine => Control(engine).PredictAsync(conversationId, ct), ct);
}
