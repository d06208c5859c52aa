using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Slots;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Dialogue.Testing;

/// <summary>
/// One test story's outcome; FirstFailure says where and what went wrong first. Lines are the story as tested, one per
/// step, with the action_listen steps the story leaves implicit, and what was predicted where it differs.
/// </summary>
public sealed record StoryResult(string Story, SourceLocation Location, int Actions, int ActionsCorrect,
    int UserTurns, int IntentsCorrect, string? FirstFailure)
{
    public bool Passed => FirstFailure is null;
    public IReadOnlyList<TestedStep> Lines { get; init; } = [];
}

/// <summary>
/// A step as tested: an action (Step null for an implicit action_listen) with the predicted action, a user turn with
/// the predicted intent and entities when they differ (Predicted null: right), or another step that was replayed.
/// </summary>
public abstract record TestedStep(StoryStep? Step);
public sealed record TestedAction(StoryStep? Step, string Expected, string Predicted) : TestedStep(Step);
public sealed record TestedUserTurn(UserStep User, string? PredictedIntent, IReadOnlyList<EntitySpan>? PredictedEntities) : TestedStep(User);
public sealed record ReplayedStep(StoryStep Step) : TestedStep(Step);

public sealed record StoryTestReport(IReadOnlyList<StoryResult> Stories)
{
    public int Failed => Stories.Count(s => !s.Passed);
    public double PassRate => Stories.Count == 0 ? 0 : (double)(Stories.Count - Failed) / Stories.Count;
    public double ActionAccuracy => Ratio(Stories.Sum(s => s.ActionsCorrect), Stories.Sum(s => s.Actions));
    public double IntentAccuracy => Ratio(Stories.Sum(s => s.IntentsCorrect), Stories.Sum(s => s.UserTurns));

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;
}

/// <summary>
/// Rasa's story evaluation: the tracker follows the story's own events (custom actions are not run),
/// and at every action of the story — including the action_listen before each user turn — the policies
/// predict and are compared with it. A predicted active form where the story does something else counts
/// as the form rejecting the message (Rasa's emulate_loop_rejection). User texts are parsed by the NLU
/// and compared with the story's intent.
/// </summary>
public static class StoryTester
{
    public static StoryTestReport Run(IReadOnlyList<Story> stories, Domain domain, PolicyEnsemble policies, IMessageParser? nlu) =>
        new(stories.Select(s => RunOne(s, domain, policies, nlu)).ToList());

    private static StoryResult RunOne(Story story, Domain domain, PolicyEnsemble policies, IMessageParser? nlu)
    {
        var tracker = Tracker.Create(story.Name, InitialSlots.Of(domain), [new ActionExecuted(ActionNames.Listen)]);
        int actions = 0, actionsCorrect = 0, turns = 0, intentsCorrect = 0;
        string? failure = null;
        var lines = new List<TestedStep>();

        void Expect(string expected, SourceLocation where, StoryStep? step)
        {
            var predicted = policies.Predict(tracker, domain);
            if (predicted.Action != expected && predicted.Action == tracker.State.ActiveLoop)
            {
                tracker = tracker.Append(new ActionExecutionRejected(predicted.Action));
                predicted = policies.Predict(tracker, domain);
            }
            actions++;
            if (predicted.Action == expected) actionsCorrect++;
            else failure ??= $"{where}: expected action {expected}, predicted {predicted.Action} ({predicted.Policy})";
            lines.Add(new TestedAction(step, expected, predicted.Action));
            tracker = tracker.AppendAll(predicted.Action == expected ? predicted.Events ?? [] : []);
            tracker = tracker.Append(new ActionExecuted(expected, predicted.Policy, predicted.Confidence));
        }

        foreach (var raw in story.Steps)
        {
            var step = raw is OrStep or ? or.Alternatives[0] : raw;
            switch (step)
            {
                case UserStep u:
                    if (tracker.State.LatestAction != ActionNames.Listen) Expect(ActionNames.Listen, u.Location, null);
                    string? wrongIntent = null;
                    IReadOnlyList<EntitySpan>? wrongEntities = null;
                    if (u.Text is { Length: > 0 } text && u.Intent is not null && nlu is not null)
                    {
                        turns++;
                        var parsed = IntentPayload.TryParse(text) ?? nlu.Parse(text);
                        // A story may name a full retrieval intent (faq/ask_price): then that is what must be found.
                        var found = u.Intent.Contains('/') && parsed.Retrieval is { } r ? r : parsed.Intent;
                        if (found.Name == u.Intent) intentsCorrect++;
                        else
                        {
                            wrongIntent = found.Name;
                            failure ??= $"{u.Location}: expected intent {u.Intent} for \"{text.Trim()}\", predicted {found.Name} ({found.Confidence:0.00})";
                        }
                        // Rasa's _collect_user_uttered_predictions: the entities found must be the annotated ones, with the
                        // same span, type and value (after synonyms: annotate `[太小了]{"entity": "reason", "value": "尺码不合适"}`).
                        // Duckling's are left out, as Rasa's remove_pretrained_extractors leaves them out.
                        var trained = parsed.Entities.Where(e => e.Extractor is null).ToList();
                        if (Entities(text, trained) is var got && Entities(text, u.Annotations) is var want && got != want)
                        {
                            wrongEntities = trained;
                            failure ??= $"{u.Location}: expected entities [{want}] for \"{text.Trim()}\", found [{got}]";
                        }
                    }
                    lines.Add(new TestedUserTurn(u, wrongIntent ?? (wrongEntities is null ? null : u.Intent), wrongEntities));
                    tracker = StoryUnfolder.Hear(tracker, u, domain);
                    break;
                case ActionStep a:
                    Expect(a.Action, a.Location, a);
                    break;
                default:
                    lines.Add(new ReplayedStep(step));
                    tracker = StoryUnfolder.ApplyStateStep(tracker, step);
                    break;
            }
        }
        return new StoryResult(story.Name, story.Location, actions, actionsCorrect, turns, intentsCorrect, failure) { Lines = lines };
    }

    /// <summary>The entities as compared: surface, start, type and value, in text order.</summary>
    private static string Entities(string text, IEnumerable<EntitySpan> entities) => string.Join(", ", entities
        .OrderBy(e => e.Start).Select(e =>
        {
            int start = Math.Clamp(e.Start, 0, text.Length), end = Math.Clamp(e.End, start, text.Length);
            return $"{text[start..end]}@{start}({e.Entity}={e.Value})";
        }));
}
