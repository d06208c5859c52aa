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

    public string Name => data.Augmented ? "AugmentedMemoizationPolicy" : "MemoizationPolicy";
    public int Priority => 3;
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

    public PolicyPrediction? Predict(Tracker tracker, Domain domain)
    {
        var (turns, current) = StateFeaturizer.Featurize(tracker.AppliedEvents(), domain);
        var keys = turns.Select(t => t.State.Key(influencing)).Append(current.Key(influencing)).ToList();
        int i = keys.Count - 1;
        if (Recall(FullKey(keys, i, data.MaxHistory)) is { } action) return new PolicyPrediction(action, 1f, Name, Priority);
        if (!data.Augmented) return null;
        for (int k = Math.Min(data.MaxHistory - 1, i + 1); k >= 1; k--)
            if (Recall(SuffixKey(keys, i, k)) is { } shorter) return new PolicyPrediction(shorter, 1f, Name, Priority);
        return null;
    }

    private string? Recall(string key) => data.Lookup.TryGetValue(key, out var a) && a.Length > 0 ? a : null;

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
}
