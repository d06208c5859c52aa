using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Dialogue;

/// <summary>Rasa's HTTP API on a conversation beyond messages (<see cref="IConversationControl"/>).</summary>
public sealed partial class DialogueAgent : IConversationControl
{
    /// <summary>Rasa's EXTERNAL_MESSAGE_PREFIX: the text of a user message that trigger_intent makes up.</summary>
    public const string ExternalMessagePrefix = "EXTERNAL: ";

    public Domain Domain => bot.Domain;

    public IMessageParser Nlu => bot.Nlu;

    public PolicyEnsemble Policies => bot.Policies;

    public bool HasAction(string name) => actions.Find(name) is not null;

    /// <summary>
    /// Rasa's update_conversation_with_events: a new conversation gets action_session_start first (as
    /// fetch_tracker_with_initial_session does) unless the events begin a session themselves.
    /// </summary>
    public async Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var before = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = before;
        if (tracker.Events.IsEmpty && !BeginsSession(events))
            tracker = await RunActionAsync(tracker, new PolicyPrediction(ActionNames.SessionStart, 1f, "session", 0), ct).ConfigureAwait(false);
        await SaveAsync(conversationId, before, tracker.AppendAll(events), ct).ConfigureAwait(false);
    }

    /// <summary>Rasa's do_events_begin_with_session_start.</summary>
    private static bool BeginsSession(IReadOnlyList<DialogueEvent> events) =>
        events is [SessionStarted, ..] or [ActionExecuted { Name: ActionNames.SessionStart }, ..];

    public Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        AppendAsync(conversationId, tracker =>
        {
            if (tracker.Events.IsEmpty) return events;
            // Restarted leaves action_session_start as the followup (Rasa's Restarted.apply_to); a session start among the
            // given events clears it, else session_started does, so that the next message is answered, not swallowed.
            return BeginsSession(events) ? [new Restarted(), .. events] : [new Restarted(), new SessionStarted(), .. events];
        }, ct);

    public async Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities,
        CancellationToken ct = default) => (await RunTurnAsync(conversationId, ExternalMessagePrefix + intent, External(intent, entities), ct).ConfigureAwait(false))!;

    public Task<IReadOnlyList<BotMessage>?> FireReminderAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct = default) =>
        RunTurnAsync(conversationId, ExternalMessagePrefix + reminder.Intent, External(reminder.Intent, reminder.Entities), ct, reminder);

    private static NluParse External(string intent, IReadOnlyList<EntitySpan> entities) =>
        NluParse.Named(ExternalMessagePrefix + intent, new IntentPrediction(intent, 1f), entities);

    public async Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence,
        CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var before = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = before;
        // Rasa's fetch_tracker_and_update_session, then _run_action with the prediction the request names.
        if (NeedsNewSession(tracker))
            tracker = await RunActionAsync(tracker, new PolicyPrediction(ActionNames.SessionStart, 1f, "session", 0), ct).ConfigureAwait(false);
        // The policy is logged as given; Rasa logs None when the request has none.
        tracker = await RunActionAsync(tracker, new PolicyPrediction(action, confidence ?? 1f, policy!, 0), ct).ConfigureAwait(false);
        var added = await SaveAsync(conversationId, before, tracker, ct).ConfigureAwait(false);
        return Replies(added);
    }

    /// <summary>IChatService.SayAsync: the values are supposed as slots for the rendering only, as the two-stage fallback's {intent} is.</summary>
    public Task SayAsync(string conversationId, string response, IReadOnlyDictionary<string, string> values, string otherwise,
        CancellationToken ct = default) =>
        AppendAsync(conversationId, t =>
        {
            if (!t.State.Paused) return [];
            var scratch = t.Suppose(values.Select(v => new SlotSet(v.Key, System.Text.Json.JsonSerializer.SerializeToElement(v.Value))));
            return [new BotUttered(responses.Render(response, scratch, options.Channel) ?? new BotMessage(otherwise), response)];
        }, ct);

    public async Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default)
    {
        PolicyPrediction prediction;
        await using (var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false))
            prediction = bot.Policies.Predict(await LoadAsync(conversationId, ct).ConfigureAwait(false), bot.Domain);

        // Kefu's policies (rules, memoization) give one action and its confidence, as Rasa's RulePolicy and
        // MemoizationPolicy do: that action scores the confidence, every other action of the domain 0.
        var names = new SortedSet<string>(Domain.BuiltInActions, StringComparer.Ordinal);
        names.UnionWith(bot.Domain.Actions.Select(a => a.Name));
        names.UnionWith(bot.Domain.Responses.Select(r => r.Name));
        names.UnionWith(bot.Domain.Forms.Select(f => f.Name));
        names.Remove(prediction.Action);
        List<(string, float)> scores = [(prediction.Action, prediction.Confidence), .. names.Select(n => (n, 0f))];
        return new ActionScores(scores, prediction.Policy, prediction.Confidence);
    }
}
