using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// Asks every policy and keeps the most confident prediction (ties: higher priority). A followup event
/// wins outright; below the core fallback threshold the answer is action_default_fallback (Rasa's
/// RulePolicy core_fallback_threshold, default 0.3). An action that just rejected its execution is not predicted again.
/// </summary>
public sealed class PolicyEnsemble(IReadOnlyList<IPolicy> policies, float coreFallbackThreshold = 0.3f,
    string coreFallbackAction = ActionNames.DefaultFallback)
{
    private readonly int history = policies.Count == 0 ? 1 : policies.Max(p => p.History);

    public IReadOnlyList<IPolicy> Policies => policies;

    public PolicyPrediction Predict(Tracker tracker, Domain domain)
    {
        if (tracker.State.FollowupAction is { } followup)
            return new PolicyPrediction(followup, 1f, "followup", int.MaxValue);

        PolicyPrediction? best = null;
        var input = new PolicyInput(tracker, domain, history);
        var rejected = RejectedAction(tracker);
        foreach (var policy in policies)
        {
            if (policy.Predict(input) is not { } p || p.Action == rejected) continue;
            if (best is null || p.Confidence > best.Confidence
                || (p.Confidence == best.Confidence && p.Priority > best.Priority))
                best = p;
        }

        // After a bot action with nothing left to say, wait for the user; right after a user message, fall back.
        bool justHeardUser = tracker.State.LatestAction is null or ActionNames.Listen;
        if (best is null)
            return justHeardUser
                ? new PolicyPrediction(coreFallbackAction, 1f, "core_fallback", 0)
                : new PolicyPrediction(ActionNames.Listen, 1f, "default", 0);
        if (best.Confidence < coreFallbackThreshold)
            return new PolicyPrediction(coreFallbackAction, 1f - best.Confidence, "core_fallback", best.Priority);
        return best;
    }

    /// <summary>
    /// Featurizes the tracker's applied events into its checkpoint, as a prediction would, so that the tracker may forget
    /// them: a paused conversation or logged messages run no prediction, and their events would otherwise stay in memory.
    /// </summary>
    public void Fold(Tracker tracker, Domain domain) => _ = new PolicyInput(tracker, domain, history).States;

    /// <summary>
    /// The action that just refused to run (a form that could not use the message), which is not predicted again
    /// right away, as in Rasa's ensemble: otherwise the rule that started it would pick it again, over and over.
    /// </summary>
    private static string? RejectedAction(Tracker tracker)
    {
        var events = tracker.AppliedEvents();
        for (int i = events.Count - 1; i >= 0; i--)
        {
            if (events[i] is ActionExecutionRejected r) return r.Name;
            if (events[i] is ActionExecuted) return null;
        }
        return null;
    }
}
