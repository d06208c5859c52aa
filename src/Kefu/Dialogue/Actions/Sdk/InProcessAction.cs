using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sdk = global::Kefu.Sdk;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// A Kefu.Sdk custom action run in process, with what an action server would do around it and nothing serialized:
/// the SDK tracker reads the engine's state (events are written as JSON only if the action asks for them), the SDK
/// domain is built once per domain, messages come first and events after (Rasa's RemoteAction order), and a rejection
/// becomes <see cref="ActionExecutionRejected"/>.
/// </summary>
public sealed class InProcessAction(Sdk.CustomAction action, ILogger? logger = null) : IAction
{
    private readonly ILogger logger = logger ?? NullLogger.Instance;

    public string Name => action.Name;

    public Sdk.CustomAction Action => action;

    public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var dispatcher = new Sdk.CollectingDispatcher();
        IReadOnlyList<Sdk.ActionEvent> returned;
        try
        {
            returned = await action.RunAsync(dispatcher, SdkViews.Tracker(context.Tracker), SdkViews.Domain(context.Domain))
                .WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Sdk.ActionExecutionRejection rejection)
        {
            logger.LogInformation("Action {Action} rejected the message: {Error}", Name, rejection.Message);
            return [new ActionExecutionRejected(rejection.ActionName)];
        }
        var events = new List<DialogueEvent>(dispatcher.Messages.Count + (returned?.Count ?? 0));
        foreach (var m in dispatcher.Messages)
            if (ActionMessages.Utterance(Name, m.Response, Literal(m), TemplateValues(m), context, this.logger) is { } uttered)
                events.Add(uttered);
        foreach (var e in returned ?? [])
            if (Event(e) is { } converted) events.Add(converted);
        return events;
    }

    private static BotMessage Literal(Sdk.DispatcherMessage m) => new(m.Text, m.Image,
        m.Buttons is { Count: > 0 } buttons ? buttons.Select(b => new BotButton(b.Title, b.Payload)).ToList() : null, m.Custom);

    /// <summary>Kwargs that fill placeholders: strings, numbers, bools and nulls (what the remote path keeps of a message's extra fields).</summary>
    private static IEnumerable<SlotSet> TemplateValues(Sdk.DispatcherMessage m)
    {
        if (m.Kwargs is null) yield break;
        foreach (var (name, value) in m.Kwargs)
            if (Sdk.JsonValues.ToElement(value) is var json && json is null or { ValueKind: JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False })
                yield return new SlotSet(name, json);
    }

    private static List<Kefu.Nlu.EntitySpan> Entities(IReadOnlyDictionary<string, string>? entities) =>
        [.. (entities ?? new Dictionary<string, string>()).Select(e => new Kefu.Nlu.EntitySpan(0, 0, e.Key, e.Value))];

    /// <summary>An SDK event as the engine's, stamped now (Rasa re-stamps an action's events when it logs them).</summary>
    private DialogueEvent? Event(Sdk.ActionEvent e)
    {
        DialogueEvent? converted = e switch
        {
            Sdk.SlotSet s => new SlotSet(s.Name, s.JsonValue),
            Sdk.FollowupAction f => new FollowupAction(f.Name),
            Sdk.ActiveLoop l => new ActiveLoopSet(l.Name),
            Sdk.LoopInterrupted i => new LoopInterrupted(i.IsInterrupted),
            Sdk.ActionExecutionRejected r => new ActionExecutionRejected(r.Name),
            Sdk.AllSlotsReset => new AllSlotsReset(),
            Sdk.Restarted => new Restarted(),
            Sdk.SessionStarted => new SessionStarted(),
            Sdk.UserUtteranceReverted => new UserUtteranceReverted(),
            Sdk.ActionReverted => new ActionReverted(),
            Sdk.ConversationPaused => new ConversationPaused(),
            Sdk.ConversationResumed => new ConversationResumed(),
            Sdk.BotUttered b => new BotUttered(new BotMessage(b.Text)),
            Sdk.ActionExecuted a => new ActionExecuted(a.Name, a.Policy, a.Confidence is { } c ? (float)c : null),
            Sdk.ReminderScheduled r => new ReminderScheduled(r.Intent, r.TriggerAt, Entities(r.Entities), r.ReminderName, r.KillOnUserMessage),
            Sdk.ReminderCancelled c => new ReminderCancelled(c.Name, c.Intent, Entities(c.Entities)),
            _ => null,
        };
        if (converted is null)
            logger.LogWarning("Action {Action} returned a {Event} event, which Kefu does not support; skipped", Name, e.EventName);
        return converted is null ? null : converted with { Timestamp = DateTimeOffset.UtcNow };
    }
}
