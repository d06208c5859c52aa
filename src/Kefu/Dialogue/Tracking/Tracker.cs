using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Actions;

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
        SlotSet s => WithSlots(Slots.SetItem(s.Name, s.Value)),
        ActiveLoopSet l => this with { ActiveLoop = l.Name, LoopInterrupted = false, LoopRejected = false },
        LoopInterrupted i => this with { LoopInterrupted = i.IsInterrupted },
        ActionExecutionRejected => this with { LoopRejected = true },
        // Rasa's Restarted.apply_to: the conversation starts over with a new session.
        Restarted => new TrackerState(initialSlots) { FollowupAction = ActionNames.SessionStart },
        SessionStarted => new TrackerState(initialSlots),
        AllSlotsReset => this with { Slots = initialSlots },
        FollowupAction f => this with { FollowupAction = f.Name },
        ConversationPaused => this with { Paused = true },
        ConversationResumed => this with { Paused = false },
        _ => this,
    };

    /// <summary>An unchanged slot (SetItem gives the same dictionary back) keeps this state: nothing new to outlive the turn.</summary>
    private TrackerState WithSlots(ImmutableDictionary<string, JsonElement?> slots) => slots == Slots ? this : this with { Slots = slots };
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
/// Where a turn began: the state after the first AppliedCount applied events, and the checkpoint then. A revert
/// folds the state again from the latest such mark before the events it keeps, not from the first event; the
/// marks also say how much of the conversation must stay in memory (see <see cref="Tracker.Compact"/>).
/// </summary>
internal readonly record struct TurnMark(int EventCount, int AppliedCount, TrackerState State, AppliedEventsCheckpoint? Checkpoint);

/// <summary>
/// One conversation: its full event log (what is stored) and the state folded from the applied events.
/// Immutable: <see cref="Append"/> returns a new tracker. Replaying the stored events rebuilds it exactly.
/// A compacted tracker (<see cref="Compact"/>) holds only its last turns in memory and reads older events
/// from the event store when something asks for them.
/// </summary>
public sealed class Tracker
{
    /// <summary>Turns a compacted tracker keeps in memory: enough for action_back and a two-stage fallback to revert.</summary>
    public const int TurnsInMemory = 4;

    public string ConversationId { get; }
    public EventLog Events { get; }
    public TrackerState State { get; }
    public ImmutableDictionary<string, JsonElement?> InitialSlots { get; }

    /// <summary>Kept alongside the log so that a new event costs O(log n), not a replay.</summary>
    private readonly EventLog applied;

    /// <summary>A cache, not state: any checkpoint of this tracker's line is as good as another.</summary>
    private AppliedEventsCheckpoint? checkpoint;

    /// <summary>The latest turn starts since the last restart or session start, newest first; never changed in place.</summary>
    private readonly TurnMark[] marks;

    private Tracker(string conversationId, EventLog events, EventLog applied, TrackerState state,
        ImmutableDictionary<string, JsonElement?> initialSlots, AppliedEventsCheckpoint? checkpoint = null, TurnMark[]? marks = null)
    {
        ConversationId = conversationId;
        Events = events;
        this.applied = applied;
        State = state;
        InitialSlots = initialSlots;
        this.checkpoint = checkpoint;
        this.marks = marks ?? [];
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

    public Tracker Append(DialogueEvent e) => Append(e, branch: false);

    /// <summary>
    /// This tracker after <paramref name="events"/>, for an action to look at before it decides what to return. Unlike
    /// <see cref="AppendAll"/> it leaves the event log's free slots to the conversation itself, whose next append then
    /// writes in place instead of copying the log's last chunk.
    /// </summary>
    public Tracker Suppose(IEnumerable<DialogueEvent> events)
    {
        var supposed = this;
        foreach (var e in events) supposed = supposed.Append(e, branch: ReferenceEquals(supposed, this));
        return supposed;
    }

    private Tracker Append(DialogueEvent e, bool branch)
    {
        var events = branch ? Events.Branch(e) : Events.Add(e);
        if (e is UserUtteranceReverted or ActionReverted)
            return Revert(events, e);
        if (e is Restarted or SessionStarted)
            return new Tracker(ConversationId, events, [e], State.Apply(e, InitialSlots), InitialSlots);
        var appliedAfter = branch ? applied.Branch(e) : applied.Add(e);
        return new Tracker(ConversationId, events, appliedAfter, State.Apply(e, InitialSlots), InitialSlots, Checkpoint, marks);
    }

    /// <summary>
    /// A revert only ever drops the end of the applied events (as replaying them all would), so the state is
    /// folded again from the latest turn mark before what is kept; with no such mark, from the first event.
    /// </summary>
    private Tracker Revert(EventLog events, DialogueEvent revert)
    {
        int kept = applied.Count;
        if (revert is ActionReverted) kept = UndoTillPrevious<ActionExecuted>(kept);
        else kept = UndoTillPrevious<ActionExecuted>(UndoTillPrevious<UserUttered>(kept));

        int m = 0;
        while (m < marks.Length && marks[m].AppliedCount > kept) m++;
        TurnMark? mark = m < marks.Length ? marks[m] : null;
        var remaining = applied.Prefix(kept);
        var state = mark?.State ?? new TrackerState(InitialSlots);
        for (int i = mark?.AppliedCount ?? 0; i < kept; i++) state = state.Apply(remaining[i], InitialSlots);
        var checkpoint = Checkpoint is { } c && c.AppliedCount <= kept ? c : mark?.Checkpoint;
        return new Tracker(ConversationId, events, remaining, state, InitialSlots, checkpoint, marks[m..]);
    }

    /// <summary>Rasa's undo_till_previous: the applied count after removing events from the end up to and including the last T.</summary>
    private int UndoTillPrevious<T>(int count) where T : DialogueEvent
    {
        while (count > 0)
            if (applied[--count] is T) break;
        return count;
    }

    /// <summary>
    /// This tracker as the start of a turn: a turn mark is added (the last <see cref="TurnsInMemory"/> are kept, fewer
    /// when the events since them are over <paramref name="maxEvents"/>) and the events before the oldest mark leave
    /// memory, to be read through <paramref name="loadAll"/> (every stored event of the conversation, which must include
    /// all of this tracker's) if anything asks for them.
    /// </summary>
    public Tracker Compact(Func<IReadOnlyList<DialogueEvent>> loadAll, int maxEvents = int.MaxValue)
    {
        int older = 0;
        while (older < Math.Min(marks.Length, TurnsInMemory - 1) && Events.Count - marks[older].EventCount <= maxEvents) older++;
        TurnMark[] kept = [new TurnMark(Events.Count, applied.Count, State, Checkpoint), .. marks.AsSpan(0, older)];
        var oldest = kept[^1];
        int appliedFrom = Math.Min(oldest.AppliedCount, oldest.Checkpoint?.AppliedCount ?? 0);
        var events = Events.Forget(oldest.EventCount, loadAll);
        var appliedInMemory = applied.Forget(appliedFrom, () => AppliedEvents(events));
        return new Tracker(ConversationId, events, appliedInMemory, State, InitialSlots, Checkpoint, kept);
    }

    public Tracker AppendAll(IEnumerable<DialogueEvent> events) =>
        events.Aggregate(this, (tracker, e) => tracker.Append(e));

    /// <summary>Events since the last restart or session start, with reverted turns removed (Rasa's applied_events).</summary>
    public IReadOnlyList<DialogueEvent> AppliedEvents() => applied;

    /// <summary>Rasa's applied_events of a whole conversation's events (<see cref="AppliedEvents()"/> is the tracker's own).</summary>
    public static IReadOnlyList<DialogueEvent> Applied(IEnumerable<DialogueEvent> events) => AppliedEvents(events);

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
}
