using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Observability;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// Rasa's action_two_stage_fallback (rasa/core/actions/two_stage_fallback.py), a loop run after an nlu_fallback
/// message: it asks the user to affirm the most likely intent; a denial (/out_of_scope) makes it ask to
/// rephrase, a low-confidence rephrasing makes it ask to affirm again. When the user's message is understood it
/// deactivates and replaces the whole fallback episode with that message (confidence 1), so the policies go on
/// as if it had been understood at once. Two fallbacks in a row, or a second denial, end it as
/// action_default_fallback does (utter_default, episode reverted).
/// </summary>
public sealed class TwoStageFallbackAction : IAction
{
    public const string AffirmationResponse = "utter_ask_affirmation";
    public const string RephraseResponse = "utter_ask_rephrase";
    public const string DefaultResponse = "utter_default";
    public const string OutOfScopeIntent = "out_of_scope";

    /// <summary>Name of the template value an utter_ask_affirmation response may show: "您是想问「{intent}」吗？".</summary>
    public const string IntentPlaceholder = "intent";

    public static string BuiltInAffirmationText(string intent) => $"您是想问「{intent}」吗？";
    public const string BuiltInRephraseText = "抱歉，我没太明白，您能换个说法吗？Sorry, could you rephrase that?";
    public const string BuiltInDefaultText = "抱歉，我没能理解您的意思。Sorry, I didn't get that.";
    public const string YesTitle = "是";
    public const string NoTitle = "不是";

    public string Name => ActionNames.TwoStageFallback;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct) =>
        Task.FromResult(Run(context));

    /// <summary>Rasa's LoopAction.run: activate if needed, then either ask (not done) or deactivate (done).</summary>
    public IReadOnlyList<DialogueEvent> Run(ActionContext c)
    {
        var events = new List<DialogueEvent>();
        bool justActivated = c.Tracker.State.ActiveLoop != Name;
        if (justActivated) events.Add(new ActiveLoopSet(Name));

        var intents = RecentIntents(c.Tracker, 3);
        bool gaveUp = TwoFallbacksInARow(intents) || SecondAffirmationFailed(intents);
        bool clarified = LatestIntent(c.Tracker) is not (ActionNames.NluFallbackIntent or OutOfScopeIntent);
        if (!clarified && !gaveUp)
        {
            bool affirm = justActivated || LatestIntent(c.Tracker) == ActionNames.NluFallbackIntent;
            events.AddRange(affirm ? AskAffirmation(c) : AskRephrase(c));
            return events;
        }

        events.Add(new ActiveLoopSet(null));
        if (gaveUp)
        {
            KefuMetrics.Fallbacks.Add(1);
            events.AddRange(c.Utter(DefaultResponse) is { Count: > 0 } said
                ? said
                : [new BotUttered(new BotMessage(BuiltInDefaultText), ActionNames.DefaultFallback)]);
            events.AddRange(RevertEpisode(c.Tracker, events));
            return events;
        }
        events.AddRange(RevertEpisode(c.Tracker, events));
        events.AddRange(Clarification(c.Tracker));
        return events;
    }

    /// <summary>
    /// Rasa's action_default_ask_affirmation: the best intent of the ranking other than nlu_fallback, as
    /// utter_ask_affirmation (which may show it as `{intent}`) or a built-in question, with 是 → /intent and
    /// 不是 → /out_of_scope buttons. With no candidate intent it asks to rephrase instead.
    /// </summary>
    private IReadOnlyList<DialogueEvent> AskAffirmation(ActionContext c)
    {
        var parse = c.Tracker.State.LatestMessage?.Parse;
        var intent = parse?.IntentRanking.Select(i => i.Name)
            .FirstOrDefault(n => n.Length > 0 && n != ActionNames.NluFallbackIntent)
            ?? (parse?.Intent.Name is { Length: > 0 } top && top != ActionNames.NluFallbackIntent ? top : null);
        if (intent is null) return AskRephrase(c);

        List<BotButton> buttons = [new(YesTitle, "/" + intent), new(NoTitle, "/" + OutOfScopeIntent)];
        var scratch = c.Tracker.Suppose([new SlotSet(IntentPlaceholder, JsonSerializer.SerializeToElement(intent))]);
        if (c.Responses.Render(AffirmationResponse, scratch, c.Channel) is { } message)
            return [new BotUttered(message.Buttons is { Count: > 0 } ? message : message with { Buttons = buttons }, AffirmationResponse)];
        return [new BotUttered(new BotMessage(BuiltInAffirmationText(intent), Buttons: buttons), ActionNames.AskAffirmation)];
    }

    /// <summary>Rasa's action_default_ask_rephrase: utter_ask_rephrase, or a built-in question.</summary>
    private static IReadOnlyList<DialogueEvent> AskRephrase(ActionContext c) =>
        c.Utter(RephraseResponse) is { Count: > 0 } said
            ? said
            : [new BotUttered(new BotMessage(BuiltInRephraseText), ActionNames.AskRephrase)];

    private static string? LatestIntent(Tracker tracker) => tracker.State.LatestMessage?.Parse?.Intent.Name;

    /// <summary>
    /// Intents of the last user messages, newest first, since the last restart or session start, reverted ones included; a
    /// rewind counts as a slot without an intent (Rasa's _last_n_intent_names over AFTER_RESTART events).
    /// </summary>
    private static List<string?> RecentIntents(Tracker tracker, int count)
    {
        var intents = new List<string?>();
        for (int i = tracker.Events.Count - 1; i >= 0 && intents.Count < count; i--)
        {
            var e = tracker.Events[i];
            if (e is Restarted or SessionStarted) break;
            if (e is UserUttered u) intents.Add(u.Parse?.Intent.Name);
            else if (e is UserUtteranceReverted) intents.Add(null);
        }
        return intents;
    }

    private static bool TwoFallbacksInARow(List<string?> intents) =>
        intents is [ActionNames.NluFallbackIntent, ActionNames.NluFallbackIntent, ..];

    private static bool SecondAffirmationFailed(List<string?> intents) =>
        intents is [OutOfScopeIntent, ActionNames.NluFallbackIntent, OutOfScopeIntent, ..];

    /// <summary>
    /// Enough rewinds to take the message that started the fallback out of the applied events, worked out on the
    /// tracker as it will be (ActionExecuted of this action, then the events so far). Rasa needs one rewind
    /// because its applied_events also prunes repeated loop turns; counting on the tracker keeps this right
    /// whichever way the tracker prunes.
    /// </summary>
    private IReadOnlyList<DialogueEvent> RevertEpisode(Tracker tracker, List<DialogueEvent> eventsSoFar)
    {
        var trigger = FallbackMessage(tracker);
        if (trigger is null) return [];
        var future = tracker.Suppose([new ActionExecuted(Name), .. eventsSoFar]);
        var rewinds = new List<DialogueEvent>();
        // A rewind drops the end of the applied events (at least one user message), so the trigger stays while they reach past it.
        var applied = future.AppliedEvents();
        int at = applied.Count - 1;
        while (at >= 0 && !ReferenceEquals(applied[at], trigger)) at--;
        while (at >= 0 && future.AppliedEvents().Count > at)
        {
            var rewind = new UserUtteranceReverted();
            rewinds.Add(rewind);
            future = future.Append(rewind);
        }
        return rewinds;
    }

    /// <summary>The user message before this loop's activation, or the latest one when it was not activated yet.</summary>
    private UserUttered? FallbackMessage(Tracker tracker)
    {
        // The state first: when this loop is not active, looking for its activation would read the whole conversation.
        if (tracker.State.ActiveLoop != Name) return tracker.State.LatestMessage;
        int activation = tracker.Events.FindLastIndex(e => e is ActiveLoopSet l && l.Name == Name);
        if (activation < 0) return tracker.State.LatestMessage;
        for (int i = activation - 1; i >= 0; i--)
            if (tracker.Events[i] is UserUttered u) return u;
        return null;
    }

    /// <summary>
    /// Rasa's _message_clarification: action_listen and the understood message again, at confidence 1. Kefu
    /// also sets again the slots extracted from that message (the rewinds removed them; Rasa loses them).
    /// </summary>
    private static IEnumerable<DialogueEvent> Clarification(Tracker tracker)
    {
        if (tracker.State.LatestMessage is not { } latest) yield break;
        var now = DateTimeOffset.UtcNow;
        yield return new ActionExecuted(ActionNames.Listen) { Timestamp = now };
        yield return latest.Parse is { } p
            ? latest with { Parse = p with { Intent = p.Intent with { Confidence = 1f } }, Timestamp = now }
            : latest with { Timestamp = now };
        int index = tracker.Events.FindLastIndex(e => ReferenceEquals(e, latest));
        for (int i = index + 1; i < tracker.Events.Count && index >= 0; i++)
            if (tracker.Events[i] is SlotSet s) yield return s with { Timestamp = now };
    }
}
