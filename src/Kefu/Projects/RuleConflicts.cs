using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>
/// Stories that contradict a rule: the same conversation so far, a different next action. Rasa's RulePolicy finds these
/// while training ("the prediction of the action 'B' in story 'S' is contradicting with rule(s) 'R'"); Kefu reports them
/// when the project is read, as warnings (the match below sees intents, entities and actions, not slot values).
/// <para>A rule is read as patterns: for each of its actions after a user turn, every step before it and the
/// action; after its last action, "wait for the user" unless wait_for_user_input is false. A story contradicts a pattern
/// where its steps end with the pattern's steps and the next step is another action. Matching as Rasa's rules match a
/// state: same intent, and the rule's entities among the turn's (a rule without entities matches any); slot_was_set
/// steps right after an action are its effects and are left out on both sides.</para>
/// Not compared: rules for the conversation start, rules with a condition, an active_loop, a checkpoint, a bot text or another slot_was_set (they depend on
/// state this check does not follow), and story turns while a form is active.
/// </summary>
internal static class RuleConflicts
{
    private const string Listen = "action_listen";

    public static void Check(IReadOnlyList<Rule> rules, IReadOnlyList<Story> stories, DiagnosticBag diagnostics)
    {
        // Patterns by the key of their last step, so each story step is compared only with patterns that can end there.
        var byLast = new Dictionary<string, List<Pattern>>(StringComparer.Ordinal);
        foreach (var pattern in rules.SelectMany(Patterns))
            foreach (var key in Keys(pattern.Steps[^1]))
                (byLast.TryGetValue(key, out var list) ? list : byLast[key] = []).Add(pattern);
        if (byLast.Count == 0) return;
        foreach (var story in stories)
        {
            var (steps, loopActive) = Flatten(story.Steps);
            if (steps is null) continue;
            for (int k = 1; k < steps.Count; k++)
            {
                if (steps[k] is not ActionStep next || loopActive[k]) continue;
                var candidates = Keys(steps[k - 1]).SelectMany(key => byLast.GetValueOrDefault(key) ?? []).Distinct();
                foreach (var p in candidates)
                {
                    if (p.Expected == next.Action || !EndsWith(steps, k, p)) continue;
                    string expected = p.Expected == Listen ? "waits for the user" : $"runs '{p.Expected}'";
                    diagnostics.Warning(next.Location,
                        $"story '{story.Name}' runs '{next.Action}' here, but rule '{p.Rule.Name}' ({p.Rule.Location}) {expected} after the same turns " +
                        $"({Describe(p.Steps)}); the rule wins in Rasa and Kefu, so the story's action is never predicted: align them, or give the rule a condition");
                    break;
                }
            }
        }
    }

    private sealed record Pattern(Rule Rule, IReadOnlyList<StoryStep> Steps, string Expected);

    private static IEnumerable<string> Keys(StoryStep step) => step switch
    {
        ActionStep a => ["a:" + a.Action],
        UserStep u => ["i:" + u.Intent],
        OrStep o => o.Alternatives.SelectMany(Keys),
        _ => [],
    };

    private static IEnumerable<Pattern> Patterns(Rule rule)
    {
        if (rule.Condition.Count > 0 || rule.ConversationStart) yield break;
        var (steps, _) = Flatten(rule.Steps);
        if (steps is null) yield break;
        int firstUser = steps.FindIndex(s => s is UserStep or OrStep);
        if (firstUser < 0) yield break;
        for (int j = firstUser + 1; j < steps.Count; j++)
            if (steps[j] is ActionStep action)
                yield return new Pattern(rule, steps[..j], action.Action);
        if (rule.WaitForUserInput && steps[^1] is ActionStep)
            yield return new Pattern(rule, steps, Listen);
    }

    /// <summary>
    /// The steps that take part (user turns, or-steps, actions), with effects of actions dropped; null when a step
    /// needs state this check does not follow. loopActive[k]: a form is active at step k.
    /// </summary>
    private static (List<StoryStep>? Steps, List<bool> LoopActive) Flatten(IReadOnlyList<StoryStep> steps)
    {
        var result = new List<StoryStep>();
        var loop = new List<bool>();
        bool active = false;
        for (int i = 0; i < steps.Count; i++)
        {
            switch (steps[i])
            {
                case UserStep { Intent: null }:
                case BotTextStep:
                    return (null, loop);
                case SlotWasSetStep when i > 0 && steps[i - 1] is ActionStep or SlotWasSetStep:
                    continue;
                case SlotWasSetStep:
                    return (null, loop);
                case ActiveLoopStep a:
                    active = a.Name is not null;
                    continue;
                case CheckpointStep:
                    // A checkpoint joins stories: what comes before it is another story's; start afresh.
                    result.Clear();
                    loop.Clear();
                    continue;
                case var step:
                    result.Add(step);
                    loop.Add(active);
                    break;
            }
        }
        return (result, loop);
    }

    private static bool EndsWith(List<StoryStep> story, int end, Pattern pattern)
    {
        int n = pattern.Steps.Count;
        if (end < n) return false;
        for (int i = 0; i < n; i++)
            if (!Matches(pattern.Steps[i], story[end - n + i])) return false;
        return true;
    }

    private static bool Matches(StoryStep rule, StoryStep story) => (rule, story) switch
    {
        (ActionStep r, ActionStep s) => r.Action == s.Action,
        (OrStep r, _) => r.Alternatives.Any(a => Matches(a, story)),
        (_, OrStep s) => s.Alternatives.Any(a => Matches(rule, a)),
        (UserStep r, UserStep s) => r.Intent == s.Intent
            && r.Entities.All(e => s.Entities.Any(x => x.Entity == e.Entity && (e.Value is null || x.Value == e.Value) && (e.Role is null || x.Role == e.Role))),
        _ => false,
    };

    private static string Describe(IReadOnlyList<StoryStep> steps) => string.Join(", ", steps.Select(s => s switch
    {
        UserStep u => $"intent {u.Intent}",
        ActionStep a => a.Action,
        OrStep o => "or: " + string.Join("/", o.Alternatives.OfType<UserStep>().Select(u => u.Intent)),
        _ => "…",
    }));
}
