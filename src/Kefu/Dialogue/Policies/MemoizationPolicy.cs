using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// The trained memory: state windows → next action. Keys "F:" are full windows of MaxHistory states,
/// padded at the conversation start (Rasa's MemoizationPolicy); keys "S{k}:" are the last k states only,
/// used when the full window is unknown (our AugmentedMemoizationPolicy: forget old turns, keep the
/// present). A window seen with two different actions maps to "" (ambiguous: no prediction).
/// </summary>
public sealed record MemoizationData(int MaxHistory, bool Augmented, IReadOnlyList<string> InfluencingSlots, Dictionary<string, string> Lookup);

/// <summary>Predicts the action that followed the same recent states in a training story (confidence 1).</summary>
public sealed class MemoizationPolicy(MemoizationData data) : IPolicy
{
    private readonly HashSet<string> influencing = new(data.InfluencingSlots, StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup =
        new Dictionary<string, string>(data.Lookup, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    [ThreadStatic] private static KeyScratch? scratch;

    public string Name => data.Augmented ? "AugmentedMemoizationPolicy" : "MemoizationPolicy";
    public int Priority => 3;
    public int History => data.MaxHistory;
    public MemoizationData Data => data;

    public static MemoizationData Train(IEnumerable<List<DialogueEvent>> stories, Domain domain, int maxHistory, bool augmented)
    {
        var influencingSlots = domain.Slots.Where(s => s.InfluenceConversation).Select(s => s.Name).ToList();
        var influencing = new HashSet<string>(influencingSlots, StringComparer.Ordinal);
        var lookup = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var events in stories)
        {
            var (turns, current) = StateFeaturizer.Featurize(events, domain);
            var samples = turns.Select(t => (t.State, t.Action)).ToList();
            if (samples.Count == 0 || samples[^1].Action != ActionNames.Listen) samples.Add((current, ActionNames.Listen));
            var keys = samples.Select(s => s.State.Key(influencing)).ToList();
            for (int i = 0; i < samples.Count; i++)
            {
                Add(lookup, FullKey(keys, i, maxHistory), samples[i].Action);
                if (!augmented) continue;
                for (int k = 1; k < maxHistory && k <= i + 1; k++) Add(lookup, SuffixKey(keys, i, k), samples[i].Action);
            }
        }
        return new MemoizationData(maxHistory, augmented, influencingSlots, lookup);
    }

    /// <summary>The same keys as training builds, composed in reusable buffers and looked up as spans: no allocation.</summary>
    public PolicyPrediction? Predict(PolicyInput input)
    {
        var states = input.States;
        var keys = scratch ??= new KeyScratch();
        keys.Clear();
        // Only the last MaxHistory states matter; padding appears only when the conversation is shorter.
        for (int j = Math.Max(0, states.Count - data.MaxHistory); j < states.Count; j++) keys.AddState(states[j], influencing);
        if (Recall(keys.Full(data.MaxHistory)) is { } action) return new PolicyPrediction(action, 1f, Name, Priority);
        if (!data.Augmented) return null;
        for (int k = Math.Min(data.MaxHistory - 1, keys.Count); k >= 1; k--)
            if (Recall(keys.Suffix(k)) is { } shorter) return new PolicyPrediction(shorter, 1f, Name, Priority);
        var found = RecallTruncated(states, keys) ?? RecallWithoutEntities(states, keys);
        return found is null ? null : new PolicyPrediction(found, 1f, Name, Priority);
    }

    /// <summary>
    /// The windows again without the messages' entities, for the stories that name none: a story `- intent: intro_city`
    /// then still answers "介绍下洛阳" (city=洛阳). Rasa's TEDPolicy, which this policy stands in for, generalizes so;
    /// a story that does list the entities wins, being tried first.
    /// </summary>
    private string? RecallWithoutEntities(IReadOnlyList<DialogueState> states, KeyScratch keys)
    {
        int from = Math.Max(0, states.Count - data.MaxHistory);
        bool any = false;
        for (int j = from; j < states.Count; j++) any |= states[j].Entities.Count > 0;
        if (!any) return null;
        keys.Clear();
        for (int j = from; j < states.Count; j++) keys.AddState(states[j], influencing, withEntities: false);
        if (Recall(keys.Full(data.MaxHistory)) is { } action) return action;
        for (int k = Math.Min(data.MaxHistory - 1, keys.Count); k >= 1; k--)
            if (Recall(keys.Suffix(k)) is { } shorter) return shorter;
        return null;
    }

    /// <summary>
    /// Rasa's AugmentedMemoizationPolicy._recall_using_truncation: the conversation as if it had started at one of its
    /// recent actions, longest history first, looked up among the full windows, so that a story beginning with an
    /// action (`- action: action_show_balance`, `- intent: affirm`...) matches. Such a history has no user message
    /// before its first action_listen; unlike Rasa's replay, slots and the active loop set earlier are kept.
    /// </summary>
    private string? RecallTruncated(IReadOnlyList<DialogueState> states, KeyScratch keys)
    {
        for (int t = Math.Max(0, states.Count - data.MaxHistory + 1); t < states.Count; t++)
        {
            if (states[t].PrevAction is null) continue;
            keys.Clear();
            keys.AddState(DialogueState.Empty, influencing);   // the state before that action
            bool heard = false;
            for (int j = t; j < states.Count; j++)
            {
                heard |= states[j].PrevAction == ActionNames.Listen;
                keys.AddState(states[j], influencing, withIntent: heard, withEntities: heard);
            }
            if (Recall(keys.Full(data.MaxHistory)) is { } action) return action;
        }
        return null;
    }

    private string? Recall(ReadOnlySpan<char> key) => lookup.TryGetValue(key, out var a) && a.Length > 0 ? a : null;

    private static void Add(Dictionary<string, string> lookup, string key, string action)
    {
        if (!lookup.TryGetValue(key, out var known)) lookup[key] = action;
        else if (known != action) lookup[key] = "";
    }

    /// <summary>The MaxHistory states ending at i, empty-padded before the conversation start.</summary>
    private static string FullKey(List<string> keys, int i, int maxHistory)
    {
        var window = Enumerable.Range(i - maxHistory + 1, maxHistory).Select(j => j < 0 ? "-" : keys[j]);
        return "F:" + string.Join('\n', window);
    }

    private static string SuffixKey(List<string> keys, int i, int k) =>
        $"S{k}:" + string.Join('\n', keys.Skip(i - k + 1).Take(k));

    /// <summary>State keys of one prediction (<see cref="DialogueState.AppendKey"/>) and the window key built from them.</summary>
    private sealed class KeyScratch
    {
        private readonly System.Text.StringBuilder states = new();
        private readonly List<(int Start, int Length)> ranges = [];
        private char[] key = new char[1024];
        private int length;

        public int Count => ranges.Count;

        public void Clear()
        {
            states.Clear();
            ranges.Clear();
        }

        public void AddState(DialogueState state, IReadOnlySet<string> influencing, bool withIntent = true, bool withEntities = true)
        {
            int start = states.Length;
            state.AppendKey(states, influencing, withIntent, withEntities);
            ranges.Add((start, states.Length - start));
        }

        /// <summary>FullKey: "F:" and MaxHistory states joined by newlines, "-" for each before the conversation start.</summary>
        public ReadOnlySpan<char> Full(int maxHistory)
        {
            length = 0;
            Append("F:");
            for (int j = 0; j < maxHistory - ranges.Count; j++) Append(j == 0 ? "-" : "\n-");
            AppendStates(ranges.Count, separatorFirst: maxHistory > ranges.Count);
            return key.AsSpan(0, length);
        }

        /// <summary>SuffixKey: "S{k}:" and the last k states joined by newlines.</summary>
        public ReadOnlySpan<char> Suffix(int k)
        {
            length = 0;
            Append("S");
            Span<char> digits = stackalloc char[11];
            k.TryFormat(digits, out int n, provider: System.Globalization.CultureInfo.InvariantCulture);
            Append(digits[..n]);
            Append(":");
            AppendStates(k, separatorFirst: false);
            return key.AsSpan(0, length);
        }

        private void AppendStates(int last, bool separatorFirst)
        {
            for (int j = ranges.Count - last; j < ranges.Count; j++)
            {
                if (separatorFirst || j > ranges.Count - last) Append("\n");
                var (start, count) = ranges[j];
                Grow(count);
                states.CopyTo(start, key.AsSpan(length, count), count);
                length += count;
            }
        }

        private void Append(ReadOnlySpan<char> text)
        {
            Grow(text.Length);
            text.CopyTo(key.AsSpan(length));
            length += text.Length;
        }

        private void Grow(int more)
        {
            if (length + more > key.Length) Array.Resize(ref key, Math.Max(key.Length * 2, length + more));
        }
    }
}
