using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Observability;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// action_handoff: like Kefu's built-in one (utter_handoff, then the conversation is paused for a human agent),
/// with the latest user intent (complaint, request_human...) as the handoff reason the agent console shows.
/// </summary>
public sealed class HandoffAction : IAction
{
    public string Name => ActionNames.Handoff;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        KefuMetrics.Handoffs.Add(1);
        var reason = context.Tracker.State.LatestMessage?.Parse?.Intent.Name is { Length: > 0 } intent ? intent : "handoff";
        var output = new ActionEvents(context).Utter(Response.Handoff).Add(new ConversationPaused(reason));
        return Task.FromResult(output.Events);
    }
}
