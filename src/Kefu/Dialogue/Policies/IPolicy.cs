using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// A policy's choice of the next action. Events are applied before the action runs (e.g. a rule policy
/// marking a form as interrupted). Among predictions the highest confidence wins, then the higher priority
/// (Rasa: RulePolicy 6, MemoizationPolicy 3, TEDPolicy 1).
/// </summary>
public sealed record PolicyPrediction(string Action, float Confidence, string Policy, int Priority,
    IReadOnlyList<DialogueEvent>? Events = null);

/// <summary>A trained dialogue policy: given the conversation so far, which action comes next.</summary>
public interface IPolicy
{
    string Name { get; }
    int Priority { get; }

    /// <summary>How many recent states (the current one included) this policy may look at.</summary>
    int History { get; }

    /// <summary>Null when this policy has no opinion (no rule or story matches).</summary>
    PolicyPrediction? Predict(PolicyInput input);
}

/// <summary>
/// What every policy looks at, featurized once per prediction: the states before the last actions of the
/// applied events (as many as the policies' History, at most <see cref="MaxStates"/> in all), then the
/// current state (States[^1]), and how many user messages the applied events hold.
/// </summary>
public sealed class PolicyInput(Tracker tracker, Domain domain, int history = PolicyInput.MaxStates)
{
    private IReadOnlyList<DialogueState>? states;
    private int userTurns = -1;

    public Tracker Tracker => tracker;
    public Domain Domain => domain;

    public IReadOnlyList<DialogueState> States => states ??= Featurize();

    public int UserTurns
    {
        get
        {
            _ = States;
            return userTurns;
        }
    }

    /// <summary>States further back than this never matter: longer than any rule and any max_history.</summary>
    public const int MaxStates = 32;

    private List<DialogueState> Featurize()
    {
        var (turns, current, users) = StateFeaturizer.Featurize(tracker, domain, Math.Min(history, MaxStates) - 1);
        userTurns = users;
        var list = new List<DialogueState>(turns.Count + 1);
        foreach (var (state, _) in turns) list.Add(state);
        list.Add(current);
        return list;
    }
}
