using System.Collections.Immutable;
using System.Text.Json;

namespace Kefu.Dialogue.Tracking;

/// <summary>What a conversation knows at one moment: the fold of its applied events.</summary>
public sealed record TrackerState(
    ImmutableDictionary<string, JsonElement?> Slots,
    string? ActiveLoop = null,
    bool LoopInterrupted = false,
    bool LoopRejected = false,
    UserUttered? LatestMessage = null,
    string? LatestAction = null,
    string? FollowupAction = null,
    bool Paused = false)
{
    public const string RequestedSlot = "requested_slot";

    public JsonElement? Slot(string name) => Slots.TryGetValue(name, out var v) ? v : null;

    public string? SlotText(string name) =>
        Slot(name) is { ValueKind: not JsonValueKind.Null } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    /// <summary>The state after one more applied event. Reverts never reach here: see <see cref="Tracker.AppliedEvents"/>.</summary>
    public TrackerState Apply(DialogueEvent e, ImmutableDictionary<string, JsonElement?> initialSlots) => e switch
    {
        UserUttered u => this with { LatestMessage = u },
        // Rasa's set_latest_action: only the loop's own execution clears its rejected/interrupted flags.
        ActionExecuted a => this with
        {
            LatestAction = a.Name,
            LoopRejected = LoopRejected && a.Name != ActiveLoop,
            LoopInterrupted = LoopInterrupted && a.Name != ActiveLoop,
            FollowupAction = FollowupAction == a.Name ? null : FollowupAction,
        },
        SlotSet s => this with { Slots = Slots.SetItem(s.Name, s.Value) },
        ActiveLoopSet l => this with { ActiveLoop = l.Name, LoopInterrupted = false, LoopRejected = false },
        LoopInterrupted i => this with { LoopInterrupted = i.IsInterrupted },
        ActionExecutionRejected => this with { LoopRejected = true },
        Restarted or SessionStarted => new TrackerState(initialSlots),
        AllSlotsReset => this with { Slots = initialSlots },
        FollowupAction f => this with { FollowupAction = f.Name },
        ConversationPaused => this with { Paused = true },
        ConversationResumed => this with { Paused = false },
        _ => this,
    };
}

/// <summary>
/// One conversation: its full event log (what is stored) and the state folded from the applied events.
/// Immutable: <see cref="Append"/> returns a new tracker. Replaying the stored events rebuilds it exactly.
/// </summary>
public sealed class Tracker
{
    public string ConversationId { get; }
    public ImmutableList<DialogueEvent> Events { get; }
    public TrackerState State { get; }
    public ImmutableDictionary<string, JsonElement?> InitialSlots { get; }

    private Tracker(string conversationId, ImmutableList<DialogueEvent> events, TrackerState state,
        ImmutableDictionary<string, JsonElement?> initialSlots)
    {
        ConversationId = conversationId;
        Events = events;
        State = state;
        InitialSlots = initialSlots;
    }

    public static Tracker Create(string conversationId, ImmutableDictionary<string, JsonElement?> initialSlots,
        IEnumerable<DialogueEvent>? events = null)
    {
        var tracker = new Tracker(conversationId, [], new TrackerState(initialSlots), initialSlots);
        return events is null ? tracker : tracker.AppendAll(events);
    }

    public Tracker Append(DialogueEvent e)
    {
        var events = Events.Add(e);
        var state = e is UserUtteranceReverted or ActionReverted
            ? Fold(AppliedEvents(events), InitialSlots)
            : State.Apply(e, InitialSlots);
        return new Tracker(ConversationId, events, state, InitialSlots);
    }

    public Tracker AppendAll(IEnumerable<DialogueEvent> events) =>
        events.Aggregate(this, (tracker, e) => tracker.Append(e));

    /// <summary>Events since the last restart or session start, with reverted turns removed (Rasa's applied_events).</summary>
    public IReadOnlyList<DialogueEvent> AppliedEvents() => AppliedEvents(Events);

    private static List<DialogueEvent> AppliedEvents(IEnumerable<DialogueEvent> events)
    {
        var applied = new List<DialogueEvent>();
        foreach (var e in events)
        {
            switch (e)
            {
                case Restarted or SessionStarted:
                    applied.Clear();
                    applied.Add(e);
                    break;
                case ActionReverted:
                    UndoTillPrevious<ActionExecuted>(applied);
                    break;
                case UserUtteranceReverted:
                    // A user message implies the action_listen before it: undo both.
                    UndoTillPrevious<UserUttered>(applied);
                    UndoTillPrevious<ActionExecuted>(applied);
                    break;
                default:
                    applied.Add(e);
                    break;
            }
        }
        return applied;
    }

    private static void UndoTillPrevious<T>(List<DialogueEvent> applied) where T : DialogueEvent
    {
        for (int i = applied.Count - 1; i >= 0; i--)
        {
            bool found = applied[i] is T;
            applied.RemoveAt(i);
            if (found) return;
        }
    }

    private static TrackerState Fold(IEnumerable<DialogueEvent> events, ImmutableDictionary<string, JsonElement?> initialSlots) =>
        events.Aggregate(new TrackerState(initialSlots), (state, e) => state.Apply(e, initialSlots));
}
