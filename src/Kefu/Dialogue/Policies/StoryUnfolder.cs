using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Slots;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// Turns stories into the event sequences a conversation following them would log: `or` steps become
/// one sequence per alternative, checkpoints join the stories that end and start with them, an
/// action_listen precedes each user turn, and slot mappings fill slots as they would at run time.
/// </summary>
public static class StoryUnfolder
{
    private const int MaxVariants = 2000;

    public static List<List<DialogueEvent>> Unfold(IReadOnlyList<Story> stories, Domain domain)
    {
        var continuations = stories
            .Where(s => s.Steps.FirstOrDefault() is CheckpointStep)
            .GroupBy(s => ((CheckpointStep)s.Steps[0]).Name)
            .ToDictionary(g => g.Key, g => g.ToList());
        var result = new List<List<DialogueEvent>>();
        foreach (var story in stories.Where(s => s.Steps.FirstOrDefault() is not CheckpointStep))
            foreach (var steps in Expand(story.Steps, continuations, depth: 0))
            {
                result.Add(ToEvents(steps, domain));
                if (result.Count >= MaxVariants) return result;
            }
        return result;
    }

    /// <summary>All linear step sequences of a story: alternatives multiplied out, checkpoint continuations appended.</summary>
    private static IEnumerable<List<StoryStep>> Expand(IReadOnlyList<StoryStep> steps,
        Dictionary<string, List<Story>> continuations, int depth)
    {
        IEnumerable<List<StoryStep>> prefixes = [[]];
        foreach (var step in steps)
        {
            prefixes = step switch
            {
                OrStep or => prefixes.SelectMany(p => or.Alternatives.Select(a => (List<StoryStep>)[.. p, a])),
                CheckpointStep c when step == steps[^1] && depth < 4 && continuations.TryGetValue(c.Name, out var next) =>
                    prefixes.SelectMany(p => next.SelectMany(n => Expand(n.Steps.Skip(1).ToList(), continuations, depth + 1)
                        .Select(tail => (List<StoryStep>)[.. p, .. tail]))),
                CheckpointStep => prefixes,
                _ => prefixes.Select(p => (List<StoryStep>)[.. p, step]),
            };
        }
        return prefixes.Take(MaxVariants);
    }

    public static List<DialogueEvent> ToEvents(IEnumerable<StoryStep> steps, Domain domain)
    {
        var tracker = Tracker.Create("story", InitialSlots.Of(domain));
        foreach (var step in steps)
        {
            switch (step)
            {
                case UserStep u:
                    if (tracker.State.LatestAction != ActionNames.Listen)
                        tracker = tracker.Append(new ActionExecuted(ActionNames.Listen));
                    tracker = Hear(tracker, u, domain);
                    break;
                case ActionStep a:
                    tracker = tracker.Append(new ActionExecuted(a.Action));
                    break;
                default:
                    tracker = ApplyStateStep(tracker, step);
                    break;
            }
        }
        return [.. tracker.Events];
    }

    /// <summary>A user turn of a story: the message with the story's own intent and entities, then slot mappings.</summary>
    public static Tracker Hear(Tracker tracker, UserStep u, Domain domain)
    {
        tracker = tracker.Append(new UserUttered(u.Text ?? "", ParseOf(u)));
        return tracker.AppendAll(SlotExtractor.Extract(domain, tracker.State));
    }

    /// <summary>The steps that only state facts: active_loop, slot_was_set and end-to-end bot texts.</summary>
    public static Tracker ApplyStateStep(Tracker tracker, StoryStep step) => step switch
    {
        ActiveLoopStep l => tracker.Append(new ActiveLoopSet(l.Name)),
        SlotWasSetStep s => tracker.Append(new SlotSet(s.Slot, s.Value ?? JsonSerializer.SerializeToElement("set"))),
        BotTextStep b => tracker.Append(new BotUttered(new BotMessage(b.Text))),
        _ => tracker,
    };

    /// <summary>The parse a user step stands for: its intent at confidence 1 and its entities.</summary>
    public static NluParse ParseOf(UserStep u)
    {
        var intent = new IntentPrediction(u.Intent ?? "", 1f);
        var entities = u.Entities.Select(e => new EntitySpan(0, 0, e.Entity, e.Value ?? "set", e.Role, e.Group)).ToList();
        return NluParse.Named(u.Text ?? "", intent, entities);
    }
}
