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

    /// <summary>Null when this policy has no opinion (no rule or story matches).</summary>
    PolicyPrediction? Predict(Tracker tracker, Domain domain);
}
