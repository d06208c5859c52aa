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
/// Something computed from the first <see cref="AppliedCount"/> applied events of a tracker. A tracker hands its
/// checkpoint on to the trackers appended from it, whose applied events extend the same prefix, so a fold over
/// the history (the policies' featurization) continues from it instead of starting over. A restart or a revert,
/// which rewrites the applied events, drops it.
/// </summary>
public abstract class AppliedEventsCheckpoint(int appliedCount)
{
    public int AppliedCount { get; } = appliedCount;
}

/// <summary>
/// One conversation: its full event log (what is stored) and the state folded from the applied events.
/// Immutable: <see cref="Append"/> returns a new tracker. Replaying the stored events rebuilds it exactly.
/// </summary>
public sealed class Tracker
{
    public string ConversationId { get; }
    public EventLog Events { get; }
    public TrackerState State { get; }
    public ImmutableDictionary<string, JsonElement?> InitialSlots { get; }

    /// <summary>Kept alongside the log so that a new event costs O(log n), not a replay.</summary>
    private readonly EventLog applied;

    /// <summary>A cache, not state: any checkpoint of this tracker's line is as good as another.</summary>
    private AppliedEventsCheckpoint? checkpoint;

    private Tracker(string conversationId, EventLog events, EventLog applied,
        TrackerState state, ImmutableDictionary<string, JsonElement?> initialSlots, AppliedEventsCheckpoint? checkpoint = null)
    {
        ConversationId = conversationId;
        Events = events;
        this.applied = applied;
        State = state;
        InitialSlots = initialSlots;
        this.checkpoint = checkpoint;
    }

    /// <summary>The latest checkpoint over this tracker's applied events (or an earlier prefix of them); null if none.</summary>
    internal AppliedEventsCheckpoint? Checkpoint
    {
        get => Volatile.Read(ref checkpoint);
        set
        {
            if (value is not null && value.AppliedCount > applied.Count)
                throw new ArgumentException($"a checkpoint after {value.AppliedCount} events on a tracker with {applied.Count}");
            Volatile.Write(ref checkpoint, value);
        }
    }

    public static Tracker Create(string conversationId, ImmutableDictionary<string, JsonElement?> initialSlots,
        IEnumerable<DialogueEvent>? events = null)
    {
        var tracker = new Tracker(conversationId, [], [], new TrackerState(initialSlots), initialSlots);
        return events is null ? tracker : tracker.AppendAll(events);
    }

    public Tracker Append(DialogueEvent e)
    {
        var events = Events.Add(e);
        if (e is UserUtteranceReverted or ActionReverted)
        {
            var replayed = AppliedEvents(events);
            return new Tracker(ConversationId, events, [.. replayed], Fold(replayed, InitialSlots), InitialSlots);
        }
        if (e is Restarted or SessionStarted)
            return new Tracker(ConversationId, events, [e], State.Apply(e, InitialSlots), InitialSlots);
        return new Tracker(ConversationId, events, applied.Add(e), State.Apply(e, InitialSlots), InitialSlots, Checkpoint);
    }

    public Tracker AppendAll(IEnumerable<DialogueEvent> events) =>
        events.Aggregate(this, (tracker, e) => tracker.Append(e));

    /// <summary>Events since the last restart or session start, with reverted turns removed (Rasa's applied_events).</summary>
    public IReadOnlyList<DialogueEvent> AppliedEvents() => applied;

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
