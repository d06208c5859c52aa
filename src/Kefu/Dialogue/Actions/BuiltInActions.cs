using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Observability;

namespace Kefu.Dialogue.Actions;

/// <summary>Rasa's default actions (rasa/core/actions/action.py), plus Kefu's human handoff.</summary>
public static class BuiltInActions
{
    public static IEnumerable<IAction> All() =>
    [
        new DelegateAction(ActionNames.Listen, _ => []),
        new DelegateAction(ActionNames.Restart, c => [.. c.Utter("utter_restart"), new Restarted()]),
        new DelegateAction(ActionNames.SessionStart, SessionStart),
        new DelegateAction(ActionNames.DefaultFallback, c =>
        {
            KefuMetrics.Fallbacks.Add(1);
            return [.. c.Utter("utter_default"), new UserUtteranceReverted()];
        }),
        new DelegateAction(ActionNames.DeactivateLoop, _ =>
            [new ActiveLoopSet(null), new SlotSet(TrackerState.RequestedSlot, null)]),
        new DelegateAction(ActionNames.Back, c =>
            [.. c.Utter("utter_back"), new UserUtteranceReverted(), new UserUtteranceReverted()]),
        new DelegateAction(ActionNames.UnlikelyIntent, _ => []),
        new TwoStageFallbackAction(),
        // The latest intent (complaint, request_human...) is the reason an agent console shows.
        new DelegateAction(ActionNames.Handoff, Handoff),
    ];

    /// <summary>action_handoff: utter_handoff, then the pause an agent console queues (also <see cref="ConfirmingHandoffAction"/>'s).</summary>
    public static IReadOnlyList<DialogueEvent> Handoff(ActionContext c)
    {
        KefuMetrics.Handoffs.Add(1);
        var reason = c.Tracker.State.LatestMessage?.Parse?.Intent.Name is { Length: > 0 } intent ? intent : "handoff";
        return [.. c.Utter("utter_handoff"), new ConversationPaused(reason)];
    }

    /// <summary>A new session: slots carried over (when the domain says so) are set again after SessionStarted; then the bot listens.</summary>
    private static IReadOnlyList<DialogueEvent> SessionStart(ActionContext c)
    {
        var events = new List<DialogueEvent> { new SessionStarted() };
        if (c.Domain.SessionConfig.CarryOverSlotsToNewSession)
        {
            foreach (var (name, value) in c.Tracker.State.Slots)
            {
                bool isInitial = c.Tracker.InitialSlots.TryGetValue(name, out var initial)
                    && (initial is null ? value is null : value is { } v && JsonElement.DeepEquals(initial.Value, v));
                if (!isInitial && name != TrackerState.RequestedSlot) events.Add(new SlotSet(name, value));
            }
        }
        events.Add(new ActionExecuted(ActionNames.Listen));
        return events;
    }
}
