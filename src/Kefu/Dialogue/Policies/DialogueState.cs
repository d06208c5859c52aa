using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// What the policies see before each action (Rasa's state: user sub-state, previous action, slots,
/// active loop). Slots are featurized: only those that influence the conversation, as "name=feature".
/// </summary>
public sealed record DialogueState(
    string? Intent,
    ImmutableSortedSet<string> Entities,
    string? PrevAction,
    ImmutableSortedDictionary<string, string> Slots,
    string? ActiveLoop)
{
    public static readonly DialogueState Empty = new(null, [], null, ImmutableSortedDictionary<string, string>.Empty, null);

    /// <summary>A stable text form, the memoization key of one state; only slots that influence the conversation count.</summary>
    public string Key(IReadOnlySet<string> influencingSlots) => AppendKey(new StringBuilder(), influencingSlots).ToString();

    /// <summary><see cref="Key"/> appended to <paramref name="sb"/> without allocating; without the intent or the
    /// entities when <paramref name="withIntent"/> or <paramref name="withEntities"/> is false.</summary>
    public StringBuilder AppendKey(StringBuilder sb, IReadOnlySet<string> influencingSlots, bool withIntent = true, bool withEntities = true)
    {
        if (withIntent) sb.Append(Intent);
        sb.Append('|');
        bool first = true;
        foreach (var entity in withEntities ? Entities : [])
        {
            if (!first) sb.Append(',');
            sb.Append(entity);
            first = false;
        }
        sb.Append('|').Append(PrevAction).Append('|');
        foreach (var (k, v) in Slots)
            if (influencingSlots.Contains(k)) sb.Append(k).Append('=').Append(v).Append(',');
        return sb.Append('|').Append(ActiveLoop);
    }
}

/// <summary>Turns an event sequence into the states before each action (Rasa's tracker.past_states).</summary>
public static class StateFeaturizer
{
    /// <summary>
    /// (state before the action, action name) for each ActionExecuted in the applied events, and the state
    /// after all of them. Only the last <paramref name="keepLast"/> turns are materialized: the fold itself
    /// is mutable and cheap, so a long conversation costs one pass and a handful of allocations.
    /// </summary>
    public static (List<(DialogueState State, string Action)> Turns, DialogueState Current) Featurize(
        IReadOnlyList<DialogueEvent> appliedEvents, Domain domain, int keepLast = int.MaxValue)
    {
        int actions = 0;
        foreach (var e in appliedEvents) if (e is ActionExecuted) actions++;
        int firstKept = actions - Math.Min(actions, keepLast);

        var fold = new Fold(domain);
        var turns = new List<(DialogueState, string)>(Math.Min(actions, keepLast));
        int seen = 0;
        foreach (var e in appliedEvents)
        {
            if (e is ActionExecuted a)
            {
                if (seen++ >= firstKept) turns.Add((fold.Snapshot(), a.Name));
                fold.PrevAction = a.Name;
            }
            else fold.Apply(e);
        }
        return (turns, fold.Snapshot());
    }

    /// <summary>
    /// The same as Featurize(tracker.AppliedEvents(), domain, keepLast) and the number of user messages in them,
    /// continued from the tracker's checkpoint: a turn costs the events since the last prediction, not the
    /// whole conversation. Leaves a checkpoint on the tracker for the trackers appended from it, holding only the
    /// <paramref name="keepLast"/> turns asked for: every conversation keeps its latest checkpoint, so it stays small.
    /// <paramref name="keepLast"/> is at most <see cref="MaxKeptTurns"/>.
    /// </summary>
    public static (ArraySegment<(DialogueState State, string Action)> Turns, DialogueState Current, int UserTurns) Featurize(
        Tracker tracker, Domain domain, int keepLast)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keepLast, MaxKeptTurns);
        var events = tracker.AppliedEvents();
        var start = tracker.Checkpoint is FoldCheckpoint c && c.Domain == domain && c.KeepLast >= keepLast ? c : null;
        int from = start?.AppliedCount ?? 0;

        int newActions = 0;
        for (int i = from; i < events.Count; i++) if (events[i] is ActionExecuted) newActions++;
        int firstKept = newActions - Math.Min(newActions, keepLast);
        var earlier = start?.Turns ?? [];
        int keepEarlier = Math.Min(earlier.Length, keepLast - (newActions - firstKept));
        var turns = new (DialogueState, string)[keepEarlier + newActions - firstKept];
        Array.Copy(earlier, earlier.Length - keepEarlier, turns, 0, keepEarlier);

        var fold = start is null ? new Fold(domain) : new Fold(domain, start);
        int userTurns = start?.UserTurns ?? 0, seen = 0, next = keepEarlier;
        for (int i = from; i < events.Count; i++)
        {
            var e = events[i];
            if (e is ActionExecuted a)
            {
                if (seen++ >= firstKept) turns[next++] = (fold.Snapshot(), a.Name);
                fold.PrevAction = a.Name;
                continue;
            }
            if (e is UserUttered) userTurns++;
            fold.Apply(e);
        }
        var current = fold.Snapshot();
        tracker.Checkpoint = new FoldCheckpoint(events.Count, domain, fold.User, current, turns, userTurns, keepLast);
        return (turns, current, userTurns);
    }

    /// <summary>Turns a checkpoint keeps: the most any policy looks back (<see cref="PolicyInput.MaxStates"/>) less the current state.</summary>
    public const int MaxKeptTurns = PolicyInput.MaxStates - 1;

    /// <summary>The fold after a tracker's first AppliedCount events, its last KeepLast turns (or all, if fewer), and its user messages.</summary>
    private sealed class FoldCheckpoint(int appliedCount, Domain domain, UserUttered? user, DialogueState state,
        (DialogueState, string)[] turns, int userTurns, int keepLast) : AppliedEventsCheckpoint(appliedCount)
    {
        public int KeepLast => keepLast;
        public Domain Domain => domain;
        public UserUttered? User => user;
        public DialogueState State => state;
        public (DialogueState State, string Action)[] Turns => turns;
        public int UserTurns => userTurns;
    }

    /// <summary>The running state; Snapshot() freezes it into a DialogueState, reusing what did not change.</summary>
    private sealed class Fold(Domain domain)
    {
        private readonly SlotTable slotTable = SlotTable.For(domain);
        /// <summary>A mutable copy of frozenSlots, made at the first SlotSet that changes a feature.</summary>
        private SortedDictionary<string, string>? slots;
        private UserUttered? user;
        private ImmutableSortedSet<string> entities = [];

        /// <summary>The fold as the checkpoint left it.</summary>
        public Fold(Domain domain, FoldCheckpoint checkpoint) : this(domain)
        {
            user = checkpoint.User;
            entities = checkpoint.State.Entities;
            frozenSlots = checkpoint.State.Slots;
            loop = checkpoint.State.ActiveLoop;
            PrevAction = checkpoint.State.PrevAction;
        }

        public UserUttered? User => user;
        private ImmutableSortedDictionary<string, string> frozenSlots = ImmutableSortedDictionary<string, string>.Empty;
        private bool slotsChanged, userChanged;
        private string? loop;

        public string? PrevAction { get; set; }

        public void Apply(DialogueEvent e)
        {
            switch (e)
            {
                case UserUttered u:
                    user = u;
                    userChanged = true;
                    break;
                case SlotSet s:
                    var feature = slotTable.Feature(s.Name, s.Value);
                    IReadOnlyDictionary<string, string> current = slots ?? (IReadOnlyDictionary<string, string>)frozenSlots;
                    bool has = current.TryGetValue(s.Name, out var old);
                    if (feature is null ? !has : has && old == feature) break;
                    slots ??= new SortedDictionary<string, string>(frozenSlots, StringComparer.Ordinal);
                    if (feature is null) slots.Remove(s.Name);
                    else slots[s.Name] = feature;
                    slotsChanged = true;
                    break;
                case ActiveLoopSet l:
                    loop = l.Name;
                    break;
                case SessionStarted or Restarted:
                    (user, PrevAction, loop) = (null, null, null);
                    userChanged = true;
                    ClearSlots();
                    break;
                case AllSlotsReset:
                    ClearSlots();
                    break;
            }
        }

        private void ClearSlots()
        {
            slotsChanged |= (slots?.Count ?? frozenSlots.Count) > 0;
            slots = new SortedDictionary<string, string>(StringComparer.Ordinal);
        }

        public DialogueState Snapshot()
        {
            if (slotsChanged) (frozenSlots, slotsChanged) = (slots!.ToImmutableSortedDictionary(StringComparer.Ordinal), false);
            if (userChanged) (entities, userChanged) = (EntitiesOf(user), false);
            return slotTable.States.Intern(new DialogueState(user?.Parse?.Intent.Name, entities, PrevAction, frozenSlots, loop));
        }

        /// <summary>Rasa's user sub-state: each entity the intent uses, and "entity#role", "entity#group" for its roles and groups.</summary>
        private ImmutableSortedSet<string> EntitiesOf(UserUttered? u)
        {
            if (u?.Parse is not { Entities.Count: > 0 } parse) return [];
            var intent = domain.FindIntent(parse.Intent.Name);
            var used = parse.Entities.Where(x => intent?.Uses(x.Entity) ?? true).ToList();
            return used.Select(x => x.Entity)
                .Concat(used.Where(x => x.Role is not null).Select(x => $"{x.Entity}#{x.Role}"))
                .Concat(used.Where(x => x.Group is not null).Select(x => $"{x.Entity}#{x.Group}"))
                .ToImmutableSortedSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// A slot value as the policies see it: set/unset for text and list, the value for bool and
    /// categorical (unknown categories → "__other__"), the value rounded for float, the raw text for a
    /// slot the domain does not declare (requested_slot). Null when unset.
    /// </summary>
    public static string? Feature(SlotDefinition? slot, JsonElement? value)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return null;
        if (slot is null) return v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
        return slot.Type switch
        {
            SlotType.Bool => v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "true") ? "true" : "false",
            SlotType.Categorical => Categorical(slot, v),
            SlotType.Float => v.ValueKind == JsonValueKind.Number
                ? Math.Round(Math.Clamp(v.GetDouble(), slot.MinValue, slot.MaxValue), 2).ToString(CultureInfo.InvariantCulture)
                : "set",
            SlotType.List => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0 ? null : "set",
            _ => "set",
        };
    }

    private static string Categorical(SlotDefinition slot, JsonElement v)
    {
        var text = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        return slot.Values.FirstOrDefault(x => string.Equals(x, text, StringComparison.OrdinalIgnoreCase))?.ToLowerInvariant() ?? "__other__";
    }

    /// <summary>Slot definitions by name, categorical values by case-folded text and the domain's states, one table per domain.</summary>
    private sealed class SlotTable
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Domain, SlotTable> Tables = new();
        private readonly Dictionary<string, SlotDefinition> slots = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, string>> categories = new(StringComparer.Ordinal);

        public static SlotTable For(Domain domain) => Tables.GetValue(domain, d => new SlotTable(d));

        public StateInterner States { get; } = new();

        private SlotTable(Domain domain)
        {
            foreach (var slot in domain.Slots)
            {
                slots.TryAdd(slot.Name, slot);
                if (slot.Type == SlotType.Categorical)
                    categories[slot.Name] = slot.Values.GroupBy(v => v, StringComparer.OrdinalIgnoreCase)
                        .ToDictionary(g => g.Key, g => g.Key.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);
            }
        }

        public string? Feature(string name, JsonElement? value)
        {
            var slot = slots.GetValueOrDefault(name);
            if (slot?.Type != SlotType.Categorical || value is not { ValueKind: JsonValueKind.String } v) return StateFeaturizer.Feature(slot, value);
            return categories[name].GetValueOrDefault(v.GetString()!, "__other__");
        }
    }

    /// <summary>
    /// One instance per distinct state of a domain (up to <see cref="MaxStates"/>). Every cached conversation keeps
    /// its latest turns' states in its checkpoint; most states recur across conversations, so sharing them leaves
    /// a turn few new objects that outlive it, and each such object costs every garbage collection it survives.
    /// </summary>
    private sealed class StateInterner : IEqualityComparer<DialogueState>
    {
        public const int MaxStates = 10_000;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<DialogueState, DialogueState> states;

        public StateInterner() => states = new(this);

        public DialogueState Intern(DialogueState state) =>
            states.TryGetValue(state, out var known) ? known
            : states.Count < MaxStates ? states.GetOrAdd(state, state)
            : state;

        // Records compare their collections by reference; states are equal when their contents are.
        public bool Equals(DialogueState? a, DialogueState? b) =>
            ReferenceEquals(a, b) || a is not null && b is not null
            && a.Intent == b.Intent && a.PrevAction == b.PrevAction && a.ActiveLoop == b.ActiveLoop
            && a.Entities.SequenceEqual(b.Entities) && SameSlots(a.Slots, b.Slots);

        // Not SequenceEqual: KeyValuePair has no IEquatable, and its default comparer reflects over its fields.
        private static bool SameSlots(ImmutableSortedDictionary<string, string> a, ImmutableSortedDictionary<string, string> b)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a.Count != b.Count) return false;
            using var x = a.GetEnumerator();
            using var y = b.GetEnumerator();
            while (x.MoveNext() && y.MoveNext())
                if (x.Current.Key != y.Current.Key || x.Current.Value != y.Current.Value) return false;
            return true;
        }

        public int GetHashCode(DialogueState s)
        {
            var hash = new HashCode();
            hash.Add(s.Intent);
            hash.Add(s.PrevAction);
            hash.Add(s.ActiveLoop);
            foreach (var e in s.Entities) hash.Add(e);
            foreach (var (k, v) in s.Slots) { hash.Add(k); hash.Add(v); }
            return hash.ToHashCode();
        }
    }

    /// <summary>Whether the user has just spoken (the bot's last move was to listen).</summary>
    public static bool JustHeardUser(TrackerState state) => state.LatestAction is null or ActionNames.Listen;
}
