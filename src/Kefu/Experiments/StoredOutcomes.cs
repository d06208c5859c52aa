using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;

namespace Kefu.Experiments;

/// <summary>
/// The outcomes of a live experiment, read from the conversation store (docs/experiments.md, "Outcomes from the
/// conversations"). A conversation belongs to the experiment from its first "experiment" event naming it; what follows
/// that event, up to an event of another experiment, is its outcome:
/// <list type="bullet">
/// <item>stars: the latest "rating";</item>
/// <item>thumbs: of the standing votes (the latest "feedback" per bot message), down when any is down, else up; none
/// when the customer did not vote (one value per conversation, since a conversation's votes are not independent);</item>
/// <item>handed off: a "pause" (the handoff to a human agent);</item>
/// <item>fallback: action_default_fallback or action_two_stage_fallback ran;</item>
/// <item>response time: the mean over its turns of the time from the "user" event to the turn's last "bot" event, by the
/// events' stored timestamps (milliseconds): the engine's time, without the network or the wait for the conversation's lock.</item>
/// </list>
/// </summary>
public static class StoredOutcomes
{
    public static async Task<List<Outcome>> ReadAsync(IEventStore store, string experiment, CancellationToken ct = default)
    {
        var outcomes = new List<Outcome>();
        foreach (var id in (await store.ListConversationsAsync(ct).ConfigureAwait(false)).Order(StringComparer.Ordinal))
            if (Of(experiment, await store.LoadAsync(id, ct).ConfigureAwait(false)) is { } outcome)
                outcomes.Add(outcome);
        return outcomes;
    }

    /// <summary>
    /// The report of a live experiment, arm A the baseline; an <see cref="ExperimentException"/> while an arm has no
    /// conversation yet (there is nothing to compare).
    /// </summary>
    public static AbReport Report(LiveExperiment experiment, IReadOnlyList<Outcome> outcomes, AbReportOptions? options = null)
    {
        var arms = outcomes.Select(o => o.Arm).ToHashSet(StringComparer.Ordinal);
        if (experiment.Arms.FirstOrDefault(a => !arms.Contains(a.Name)) is { } empty)
            throw new ExperimentException($"no conversation of experiment {experiment.Name} has joined arm {empty.Name} ({empty.Version}) yet: " +
                $"{outcomes.Count} conversation(s) in all; nothing to compare");
        return AbReport.Build(outcomes, (options ?? new AbReportOptions()) with { Baseline = experiment.Baseline.Name });
    }

    /// <summary>The outcome of one conversation's events; null when it never joined <paramref name="experiment"/>.</summary>
    public static Outcome? Of(string experiment, IReadOnlyList<StoredEvent> events)
    {
        int joined = -1;
        string? arm = null;
        for (int i = 0; i < events.Count && joined < 0; i++)
            if (events[i].Type == "experiment" && RasaEventJson.FromStored(events[i]) is ExperimentJoined j && j.Experiment == experiment)
                (joined, arm) = (i, j.Arm);
        if (arm is null) return null;

        int? stars = null;
        var votes = new Dictionary<int, bool>();
        bool handedOff = false, fallback = false;
        var responseMs = new List<double>();
        DateTimeOffset? asked = null, answered = null;
        for (int i = joined + 1; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Type == "experiment" && RasaEventJson.FromStored(e) is ExperimentJoined other && other.Experiment != experiment) break;
            switch (e.Type)
            {
                case "user":
                    EndTurn();
                    asked = e.Timestamp;
                    break;
                case "bot" when asked is not null:
                    answered = e.Timestamp;
                    break;
                case "rating" when RasaEventJson.FromStored(e) is ConversationRated rating:
                    stars = rating.Stars;
                    break;
                case "feedback" when RasaEventJson.FromStored(e) is MessageFeedback vote:
                    votes[vote.MessageIndex] = vote.Up;
                    break;
                case "pause":
                    handedOff = true;
                    break;
                case "action" when RasaEventJson.FromStored(e) is ActionExecuted { Name: ActionNames.DefaultFallback or ActionNames.TwoStageFallback }:
                    fallback = true;
                    break;
            }
        }
        EndTurn();
        bool? up = votes.Count == 0 ? null : votes.Values.All(v => v);
        return new Outcome(arm, stars, up, up is null ? null : !up, handedOff, fallback,
            responseMs.Count > 0 ? responseMs.Average() : null);

        void EndTurn()
        {
            if (asked is { } from && answered is { } to) responseMs.Add(Math.Max(0, (to - from).TotalMilliseconds));
            (asked, answered) = (null, null);
        }
    }
}
