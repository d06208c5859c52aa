using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Server;

/// <summary>Rasa's HTTP API on conversations, passed to the engine once it exists (see <see cref="IConversationControl"/>).</summary>
public sealed partial class DeferredChatService : IConversationControl
{
    private async Task<IConversationControl> ControlAsync() => await engine as IConversationControl
        ?? throw new NotSupportedException("the loaded dialogue engine does not offer Rasa's conversation API (IConversationControl)");

    public Domain Domain => ControlAsync().GetAwaiter().GetResult().Domain;

    public IMessageParser Nlu => ControlAsync().GetAwaiter().GetResult().Nlu;

    public Dialogue.Policies.PolicyEnsemble Policies => ControlAsync().GetAwaiter().GetResult().Policies;

    public bool HasAction(string name) => ControlAsync().GetAwaiter().GetResult().HasAction(name);

    public async Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        await (await ControlAsync()).AppendEventsAsync(conversationId, events, ct);

    public async Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        await (await ControlAsync()).ReplaceEventsAsync(conversationId, events, ct);

    public async Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities,
        CancellationToken ct = default) =>
        await (await ControlAsync()).TriggerIntentAsync(conversationId, intent, entities, ct);

    public async Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence,
        CancellationToken ct = default) =>
        await (await ControlAsync()).ExecuteActionAsync(conversationId, action, policy, confidence, ct);

    public async Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default) =>
        await (await ControlAsync()).PredictAsync(conversationId, ct);
}
