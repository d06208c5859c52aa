using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// Asks every policy and keeps the most confident prediction (ties: higher priority). A followup event
/// wins outright; below the core fallback threshold the answer is action_default_fallback (Rasa's
/// RulePolicy core_fallback_threshold, default 0.3).
/// </summary>
public sealed class PolicyEnsemble(IReadOnlyList<IPolicy> policies, float coreFallbackThreshold = 0.3f,
    string coreFallbackAction = ActionNames.DefaultFallback)
{
    public IReadOnlyList<IPolicy> Policies => policies;

    public PolicyPrediction Predict(Tracker tracker, Domain domain)
    {
        if (tracker.State.FollowupAction is { } followup)
            return new PolicyPrediction(followup, 1f, "followup", int.MaxValue);

        PolicyPrediction? best = null;
        foreach (var policy in policies)
        {
            if (policy.Predict(tracker, domain) is not { } p) continue;
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
}
