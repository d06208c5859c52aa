using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

public enum LoopCondition { Any, None, Named }

/// <summary>
/// One state of a rule, partial: only what the rule mentions must hold. Intent null and PrevAction null
/// match anything; a slot mapped to null must be unset.
/// </summary>
public sealed record RuleState(
    string? Intent,
    ImmutableSortedSet<string> Entities,
    string? PrevAction,
    ImmutableSortedDictionary<string, string?> Slots,
    LoopCondition Loop,
    string? LoopName)
{
    /// <summary>Whether <paramref name="s"/> meets every demand of this state; allocates nothing (it runs for every rule).</summary>
    public bool Matches(DialogueState s)
    {
        if ((Intent is not null && Intent != s.Intent) || (PrevAction is not null && PrevAction != s.PrevAction)) return false;
        if (Loop == LoopCondition.None ? s.ActiveLoop is not null : Loop == LoopCondition.Named && s.ActiveLoop != LoopName) return false;
        foreach (var entity in Entities)
            if (!s.Entities.Contains(entity)) return false;
        foreach (var (name, value) in Slots)
            if (value is null ? s.Slots.ContainsKey(name) : !(s.Slots.TryGetValue(name, out var v) && v == value)) return false;
        return true;
    }

    /// <summary>How much this state demands; among equally long matching rules the more specific wins.</summary>
    [JsonIgnore]
    public int Constraints =>
        (Intent is null ? 0 : 1) + Entities.Count + (PrevAction is null ? 0 : 1) + Slots.Count + (Loop == LoopCondition.Any ? 0 : 1);
}

/// <summary>After these states (the last one being now), a rule says to run Action.</summary>
public sealed record RuleSample(string Rule, IReadOnlyList<RuleState> States, string Action, bool ConversationStart)
{
    [JsonIgnore] public int Constraints { get; } = States.Sum(s => s.Constraints);

    /// <summary>User messages the rule spans: a conversation_start rule applies only while the conversation has no more.</summary>
    [JsonIgnore] public int UserTurns { get; } = States.Count(s => s.PrevAction == ActionNames.Listen);

    /// <summary>Longer rules first, then more specific ones (a rule naming the active form beats one that does not).</summary>
    public bool BeatenBy(RuleSample other) =>
        other.States.Count > States.Count || (other.States.Count == States.Count && other.Constraints > Constraints);
}

public sealed record RulePolicyData(IReadOnlyList<RuleSample> Samples);

/// <summary>
/// Rasa's RulePolicy: default intents (restart, back, session_start), then the active form's happy path
/// (run the form after each user message, listen after the form asked), then the longest matching rule.
/// A form interrupted by another answer resumes afterwards instead of waiting for the user.
/// </summary>
public sealed class RulePolicy(RulePolicyData data) : IPolicy
{
    public string Name => "RulePolicy";
    public int Priority => 6;
    public int History { get; } = data.Samples.Count == 0 ? 1 : data.Samples.Max(s => s.States.Count);
    public RulePolicyData Data => data;

    public static RulePolicyData Train(IReadOnlyList<Rule> rules, Domain domain)
    {
        var samples = new List<RuleSample>();
        foreach (var rule in rules) samples.AddRange(SamplesOf(rule, domain));
        return new RulePolicyData(samples);
    }

    private static IEnumerable<RuleSample> SamplesOf(Rule rule, Domain domain)
    {
        var state = new RuleState(null, [], rule.ConversationStart ? ActionNames.Listen : null,
            ImmutableSortedDictionary<string, string?>.Empty, LoopCondition.Any, null);
        foreach (var step in rule.Condition) state = Constrain(state, step, domain);

        var states = new List<RuleState>();
        var samples = new List<RuleSample>();
        string? lastAction = null;
        foreach (var step in rule.Steps)
        {
            switch (step)
            {
                case UserStep u:
                    if (lastAction is not null && lastAction != ActionNames.Listen)
                    {
                        states.Add(state);
                        samples.Add(new RuleSample(rule.Name, [.. states], ActionNames.Listen, rule.ConversationStart));
                    }
                    state = state with
                    {
                        Intent = u.Intent,
                        Entities = u.Entities.Select(e => e.Entity).ToImmutableSortedSet(StringComparer.Ordinal),
                        PrevAction = ActionNames.Listen,
                    };
                    lastAction = ActionNames.Listen;
                    break;
                // A rule's leading action only says what came before ("..." then the action): Rasa drops the
                // snippet state from the key, so it predicts nothing and later states start after it.
                case ActionStep a when lastAction is null:
                    state = state with { PrevAction = a.Action };
                    lastAction = a.Action;
                    break;
                case ActionStep a:
                    states.Add(state);
                    samples.Add(new RuleSample(rule.Name, [.. states], a.Action, rule.ConversationStart));
                    state = state with { PrevAction = a.Action };
                    lastAction = a.Action;
                    break;
                default:
                    state = Constrain(state, step, domain);
                    break;
            }
        }
        if (rule.WaitForUserInput && lastAction is not null && lastAction != ActionNames.Listen)
        {
            states.Add(state);
            samples.Add(new RuleSample(rule.Name, [.. states], ActionNames.Listen, rule.ConversationStart));
        }
        return samples;
    }

    private static RuleState Constrain(RuleState state, StoryStep step, Domain domain) => step switch
    {
        ActiveLoopStep { Name: null } => state with { Loop = LoopCondition.None, LoopName = null },
        ActiveLoopStep l => state with { Loop = LoopCondition.Named, LoopName = l.Name },
        SlotWasSetStep s => state with
        {
            Slots = state.Slots.SetItem(s.Slot,
                StateFeaturizer.Feature(domain.FindSlot(s.Slot), s.Value ?? JsonSerializer.SerializeToElement("set"))),
        },
        _ => state,
    };

    public PolicyPrediction? Predict(PolicyInput input)
    {
        var s = input.Tracker.State;
        bool justHeardUser = StateFeaturizer.JustHeardUser(s);
        if (justHeardUser && DefaultAction(s.LatestMessage?.Parse?.Intent.Name) is { } builtIn)
            return Predicted(builtIn);

        if (s.ActiveLoop is { } loop && !s.LoopRejected)
            return Predicted(s.LatestAction == loop ? ActionNames.Listen : loop);

        var states = input.States;
        RuleSample? best = null;
        for (int r = 0; r < data.Samples.Count; r++)
        {
            var sample = data.Samples[r];
            int k = sample.States.Count;
            if (k > states.Count || (best is not null && !best.BeatenBy(sample))) continue;
            if (!sample.States[k - 1].Matches(states[^1])) continue;   // the present first: most rules fail here
            if (sample.ConversationStart && input.UserTurns > sample.UserTurns) continue;
            bool all = true;
            for (int j = 0; j < k - 1 && all; j++) all = sample.States[j].Matches(states[states.Count - k + j]);
            if (all) best = sample;
        }

        // A form left for another topic resumes once that answer is given. As in Rasa, a general rule's action_listen
        // (one that names no loop) means the loop; with no rule at all Kefu resumes it too, but at the lowest priority,
        // so that the stories (a switch to another form, say) decide when they have something to say.
        bool loopWaiting = s.ActiveLoop is not null && !justHeardUser && s.LatestAction != s.ActiveLoop;
        if (loopWaiting && best is { Action: ActionNames.Listen } && best.States[^1].Loop != LoopCondition.Named)
            return Predicted(s.ActiveLoop!);
        if (loopWaiting && best is null)
            return new PolicyPrediction(s.ActiveLoop!, 1f, Name, 0);
        if (best is null) return null;
        var interrupted = s.ActiveLoop is not null && best.Action != s.ActiveLoop && !s.LoopInterrupted
            ? [new LoopInterrupted(true)] : (IReadOnlyList<DialogueEvent>?)null;
        return Predicted(best.Action, interrupted);
    }

    private PolicyPrediction Predicted(string action, IReadOnlyList<DialogueEvent>? events = null) =>
        new(action, 1f, Name, Priority, events);

    private static string? DefaultAction(string? intent) => intent switch
    {
        ActionNames.RestartIntent => ActionNames.Restart,
        ActionNames.BackIntent => ActionNames.Back,
        ActionNames.SessionStartIntent => ActionNames.SessionStart,
        _ => null,
    };
}
