using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Slots;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Observability;
using Kefu.Privacy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kefu.Dialogue;

public sealed record AgentOptions
{
    /// <summary>Actions one user message may trigger before the bot is made to listen (guards against loops).</summary>
    public int MaxActionsPerTurn { get; init; } = 10;
    public TimeSpan ActionTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public string Channel { get; init; } = "rest";
    /// <summary>Trackers kept in memory; beyond this the cache starts over and trackers are replayed from the store.</summary>
    public int MaxCachedConversations { get; init; } = 20_000;
    /// <summary>
    /// Events of one conversation kept in memory: its last turns (up to <see cref="Tracker.TurnsInMemory"/>, as many as fit)
    /// and what the policies have not folded into their checkpoint. Older events stay in the store; the state is a fold
    /// kept beside them, so it stays whole. A conversation is also replayed from the store within this bound.
    /// </summary>
    public int MaxEventsInMemory { get; init; } = 256;
    /// <summary>Conversation locks shared by several server replicas (Redis); null: in-process locks, one server per store.</summary>
    public IConversationLocks? Locks { get; init; }
    /// <summary>Said when an action fails and the domain has no utter_action_error.</summary>
    public string ActionErrorText { get; init; } = "抱歉，系统暂时出了点问题，请稍后再试。Sorry, something went wrong on our side.";
    /// <summary>What is masked before events are stored or kept in memory past their turn (docs/privacy.md).</summary>
    public PrivacySettings Privacy { get; init; } = PrivacySettings.Default;
    /// <summary>Told of the events stored, to schedule the reminders among them (null: reminders are stored and never fire).</summary>
    public IReminderScheduler? Reminders { get; init; }
    /// <summary>endpoints.yml `nlg:`: what writes the bot's responses in place of the domain's templates (null: the templates).</summary>
    public IResponseGenerator? ResponseGenerator { get; init; }

    /// <summary>The defaults, with the action error said in the project's language (config.yml `language`).</summary>
    public static AgentOptions For(string? language) => language?.StartsWith("zh", StringComparison.OrdinalIgnoreCase) switch
    {
        true => new() { ActionErrorText = "抱歉，系统暂时出了点问题，请稍后再试。" },
        false => new() { ActionErrorText = "Sorry, something went wrong on our side. Please try again in a moment." },
        null => new(),
    };
}

/// <summary>
/// The message loop (ARCHITECTURE.md, "One message, end to end"): take the conversation's lock, load its
/// tracker, parse, let the policies pick actions until action_listen, persist the new events, then reply.
/// </summary>
public sealed partial class DialogueAgent : IChatService
{
    private readonly Bot bot;
    private readonly IEventStore store;
    private readonly ActionRegistry actions;
    private readonly ResponseRenderer responses;
    private readonly AgentOptions options;
    private readonly ILogger logger;
    private readonly IConversationLocks locks;
    private readonly ConcurrentDictionary<string, Tracker> trackers = new(StringComparer.Ordinal);

    public DialogueAgent(Bot bot, IEventStore store, ActionRegistry actions, AgentOptions? options = null, ILogger<DialogueAgent>? logger = null)
    {
        this.bot = bot;
        this.store = store;
        this.actions = actions;
        this.options = options ?? new AgentOptions();
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        responses = new ResponseRenderer(bot.Domain);
        locks = this.options.Locks ?? new ConversationLocks();
    }

    public Bot Bot => bot;

    /// <summary>The tracker kept in memory for a conversation, if any (for tests of what memory holds).</summary>
    internal Tracker? Cached(string conversationId) => trackers.GetValueOrDefault(conversationId);

    public NluParse Parse(string text) => IntentPayload.TryParse(text) ?? bot.Nlu.Parse(text);

    public NluParse Parse(string text, DateTimeOffset referenceTime) => IntentPayload.TryParse(text) ?? bot.Nlu.Parse(text, referenceTime);

    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text,
        JsonElement? metadata = null, CancellationToken ct = default) => (await RunTurnAsync(conversationId, text, null, ct).ConfigureAwait(false))!;

    /// <summary>
    /// A user message's turn; <paramref name="given"/> is its parse when not the NLU's (trigger_intent). With
    /// <paramref name="reminder"/>, the turn runs only if the stored conversation still has it pending (null otherwise),
    /// and its message carries the reminder's message id, which marks it fired.
    /// </summary>
    private async Task<IReadOnlyList<BotMessage>?> RunTurnAsync(string conversationId, string text, NluParse? given, CancellationToken ct,
        ReminderScheduled? reminder = null)
    {
        long arrived = Stopwatch.GetTimestamp();
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        long locked = Stopwatch.GetTimestamp();
        var before = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        if (reminder is not null && !Reminders.Pending((await store.LoadAsync(conversationId, ct).ConfigureAwait(false)).Select(RasaEventJson.FromStored))
                .Any(p => p.Name == reminder.Name && p.TriggerAt == reminder.TriggerAt))
            return null;
        var tracker = await LogUserMessageAsync(before, text, given, ct, reminder is null ? null : Reminders.MessageId(reminder)).ConfigureAwait(false);

        // Rasa's MessageProcessor._should_handle_message: a paused conversation (a human agent has it) still takes /restart.
        if (!tracker.State.Paused || tracker.State.LatestMessage?.Parse?.Intent.Name == ActionNames.RestartIntent)
        {
            tracker = tracker.AppendAll(SlotExtractor.Extract(bot.Domain, tracker.State));
            tracker = await RunCustomMappingsAsync(tracker, ct).ConfigureAwait(false);
            tracker = await PredictAndRunAsync(tracker, ct).ConfigureAwait(false);
        }

        long decided = Stopwatch.GetTimestamp();
        var added = await SaveAsync(conversationId, before, tracker, ct).ConfigureAwait(false);
        KefuMetrics.RecordTurnPhase("lock", arrived, locked);
        KefuMetrics.RecordTurnPhase("engine", locked, decided);
        KefuMetrics.RecordTurnPhase("store", decided, Stopwatch.GetTimestamp());
        TurnLog.Write(logger, conversationId, tracker, added, arrived);
        return Replies(added);
    }

    /// <summary>A turn's bot messages, each with the name of the response it was rendered from.</summary>
    private static List<BotMessage> Replies(IEnumerable<DialogueEvent> added) =>
        added.OfType<BotUttered>().Select(b => b.Response is null ? b.Message : b.Message with { Response = b.Response }).ToList();

    /// <summary>Rasa's MessageProcessor.log_message: the session update and the UserUttered event, nothing predicted.</summary>
    public async Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var before = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = await LogUserMessageAsync(before, text, parse, ct).ConfigureAwait(false);
        await SaveAsync(conversationId, before, tracker, ct).ConfigureAwait(false);
    }

    /// <summary>Starts a new session when one is due, then appends the message with the given parse or the NLU's.</summary>
    private async ValueTask<Tracker> LogUserMessageAsync(Tracker tracker, string text, NluParse? given, CancellationToken ct, string? messageId = null)
    {
        if (NeedsNewSession(tracker))
            tracker = await RunActionAsync(tracker, new PolicyPrediction(ActionNames.SessionStart, 1f, "session", 0), ct).ConfigureAwait(false);

        var parse = given ?? IntentPayload.TryParse(text) ?? bot.Nlu.Parse(text, DateTimeOffset.UtcNow, PreviousBotMessage(tracker));
        KefuMetrics.Messages.Add(1);
        if (given is null) KefuMetrics.Intents.Add(1, new KeyValuePair<string, object?>("intent", parse.Intent.Name));
        return tracker.Append(new UserUttered(text, parse, options.Channel, messageId));
    }

    /// <summary>
    /// The bot's last message as NLU context (<see cref="Nlu.NluExample.ContextOf"/>): the response it was rendered from, or
    /// its text; null before the bot has said anything.
    /// </summary>
    internal static string? PreviousBotMessage(Tracker tracker)
    {
        for (int i = tracker.Events.Count - 1; i >= 0; i--)
            if (tracker.Events[i] is BotUttered said)
                return NluExample.ContextOf(said.Response, said.Message.Text);
        return null;
    }

    /// <summary>Stores the events added since <paramref name="before"/>, then caches the tracker; returns those events.</summary>
    private async ValueTask<IReadOnlyList<DialogueEvent>> SaveAsync(string conversationId, Tracker before, Tracker tracker, CancellationToken ct)
    {
        var added = tracker.Events.GetRange(before.Events.Count, tracker.Events.Count - before.Events.Count);
        var stored = EventRedaction.Redact(added, options.Privacy);
        await Append(conversationId, before.Events.Count, stored, ct).ConfigureAwait(false);
        // Memory keeps what the store has: the original text is the running turn's only (docs/privacy.md).
        Cache(conversationId, ReferenceEquals(stored, added) ? tracker : before.AppendAll(stored));
        return added;
    }

    /// <summary>Slots whose `custom` mapping names an action get that action's SlotSet events, as in Rasa's action_extract_slots.</summary>
    private async ValueTask<Tracker> RunCustomMappingsAsync(Tracker tracker, CancellationToken ct)
    {
        foreach (var name in SlotExtractor.CustomMappingActions(bot.Domain, tracker.State))
        {
            if (actions.Find(name) is not { } action)
            {
                logger.LogError("Conversation {Id}: slot mapping names the unknown action {Action}", tracker.ConversationId, name);
                continue;
            }
            try
            {
                var events = await action.RunAsync(new ActionContext(tracker, bot.Domain, responses, options.Channel), ct)
                    .WaitAsync(options.ActionTimeout, ct).ConfigureAwait(false);
                foreach (var set in events.OfType<SlotSet>())
                    if (!SlotExtractor.SameValue(tracker.State.Slot(set.Name), set.Value)) tracker = tracker.Append(set);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Conversation {Id}: slot mapping action {Action} failed", tracker.ConversationId, name);
            }
        }
        return tracker;
    }

    /// <summary>
    /// Runs policies and actions until the bot listens again: it predicts action_listen, a session starts (Rasa's
    /// should_predict_another_action), or an action took the user's message back (a fallback, action_back) without
    /// saying it again (as the two-stage fallback does once affirmed): then nothing is left to answer, and predicting
    /// on would answer the message before it, or fall back again and again.
    /// </summary>
    private async ValueTask<Tracker> PredictAndRunAsync(Tracker tracker, CancellationToken ct)
    {
        var heard = tracker.State.LatestMessage;
        for (int i = 0; i < options.MaxActionsPerTurn; i++)
        {
            var prediction = bot.Policies.Predict(tracker, bot.Domain);
            tracker = await RunActionAsync(tracker, prediction, ct).ConfigureAwait(false);
            if (prediction.Action == ActionNames.Listen && tracker.State.LatestAction == ActionNames.Listen) return tracker;
            if (prediction.Action == ActionNames.SessionStart) return tracker;
            if (ReferenceEquals(tracker.State.LatestMessage, heard) || tracker.State.FollowupAction is not null) continue;
            if (tracker.AppliedEvents() is not [.., UserUttered]) return tracker.Append(new ActionExecuted(ActionNames.Listen, "reverted", 1f));
            heard = tracker.State.LatestMessage;
        }
        logger.LogWarning("Conversation {Id}: {Max} actions in one turn; listening", tracker.ConversationId, options.MaxActionsPerTurn);
        return tracker.Append(new ActionExecuted(ActionNames.Listen, "max_actions", 1f));
    }

    /// <summary>
    /// Logs the action, then its events (Rasa's order). A rejecting action (a form that cannot use the
    /// message) logs only the rejection. A failing or slow action becomes a polite reply, never an exception.
    /// </summary>
    private async ValueTask<Tracker> RunActionAsync(Tracker tracker, PolicyPrediction prediction, CancellationToken ct)
    {
        tracker = tracker.AppendAll(prediction.Events ?? []);
        IReadOnlyList<DialogueEvent> events;
        if (actions.Find(prediction.Action) is not { } action)
        {
            logger.LogError("Conversation {Id}: no action named {Action}", tracker.ConversationId, prediction.Action);
            events = ActionError(tracker);
        }
        else
        {
            try
            {
                // WaitAsync starts a timer only for an action still running, not for the many that finish at once.
                events = await action.RunAsync(new ActionContext(tracker, bot.Domain, responses, options.Channel), ct)
                    .WaitAsync(options.ActionTimeout, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Conversation {Id}: action {Action} failed", tracker.ConversationId, prediction.Action);
                events = ActionError(tracker);
            }
        }
        if (events.Any(e => e is ActionExecutionRejected)) return tracker.AppendAll(events);
        if (options.ResponseGenerator is { } nlg) events = await GenerateAsync(nlg, tracker, events, ct).ConfigureAwait(false);
        return tracker.Append(new ActionExecuted(prediction.Action, prediction.Policy, prediction.Confidence)).AppendAll(events);
    }

    /// <summary>
    /// The action's messages rendered from a domain response, each as the NLG writes it (Rasa's nlg.generate), given the
    /// tracker the action saw; where the NLG has nothing or fails, the rendered template stays.
    /// </summary>
    private async ValueTask<IReadOnlyList<DialogueEvent>> GenerateAsync(IResponseGenerator nlg, Tracker tracker, IReadOnlyList<DialogueEvent> events,
        CancellationToken ct)
    {
        DialogueEvent[]? written = null;
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] is not BotUttered { Response: { } name } uttered || bot.Domain.FindResponse(name) is null) continue;
            BotMessage? message;
            try
            {
                message = await nlg.GenerateAsync(name, uttered.Message, tracker, options.Channel, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Conversation {Id}: the NLG failed on {Response}; the template is sent", tracker.ConversationId, name);
                continue;
            }
            if (message is null) continue;
            written ??= [.. events];
            written[i] = uttered with { Message = message };
        }
        return written ?? events;
    }

    private IReadOnlyList<DialogueEvent> ActionError(Tracker tracker) =>
        responses.Render("utter_action_error", tracker, options.Channel) is { } m
            ? [new BotUttered(m, "utter_action_error")]
            : [new BotUttered(new BotMessage(options.ActionErrorText), "action_error")];

    /// <summary>
    /// Only a cache: the store holds every event, and a conversation's lock is held while its entry is written. A cached
    /// tracker keeps its last turns in memory (<see cref="Tracker.Compact"/>): a turn's objects would otherwise stay
    /// for the life of the conversation, and every garbage collection would have to copy them on their way there.
    /// </summary>
    private void Cache(string conversationId, Tracker tracker)
    {
        if (trackers.Count >= options.MaxCachedConversations) trackers.Clear();
        trackers[conversationId] = Bounded(conversationId, tracker);
    }

    /// <summary>
    /// The tracker holding at most about <see cref="AgentOptions.MaxEventsInMemory"/> events. The applied events since the
    /// policies' checkpoint stay in memory for their next featurization; where no prediction runs (a paused conversation,
    /// logged messages) they would pile up, so they are folded into the checkpoint first, as a prediction would.
    /// </summary>
    private Tracker Bounded(string conversationId, Tracker tracker)
    {
        if (tracker.AppliedEvents().Count - (tracker.Checkpoint?.AppliedCount ?? 0) > options.MaxEventsInMemory / 2)
            bot.Policies.Fold(tracker, bot.Domain);
        return tracker.Compact(() => StoredEvents(conversationId), options.MaxEventsInMemory);
    }

    /// <summary>Every stored event of a conversation, read at once: only a compacted tracker asked for its older events calls this.</summary>
    private List<DialogueEvent> StoredEvents(string conversationId) =>
        [.. store.LoadAsync(conversationId).GetAwaiter().GetResult().Select(RasaEventJson.FromStored)];

    private bool NeedsNewSession(Tracker tracker)
    {
        if (tracker.Events.IsEmpty) return true;
        double minutes = bot.Domain.SessionConfig.SessionExpirationTimeMinutes;
        if (minutes <= 0) return false;
        return tracker.State.LatestMessage is { } lastUser && DateTimeOffset.UtcNow - lastUser.Timestamp > TimeSpan.FromMinutes(minutes);
    }

    private async ValueTask<Tracker> LoadAsync(string conversationId, CancellationToken ct)
    {
        if (trackers.TryGetValue(conversationId, out var cached))
        {
            // Another replica may have run turns since: its events are in the store, not in this memory.
            if (!locks.SharedAcrossProcesses || await store.CountAsync(conversationId, ct).ConfigureAwait(false) == cached.Events.Count)
                return cached;
            trackers.TryRemove(conversationId, out _);
        }
        // Replayed a stored turn at a time and bounded as it goes, at each user message and every so many events (as the
        // turns that wrote them were): a long conversation is never in memory at once.
        var tracker = Tracker.Create(conversationId, bot.InitialSlots);
        int unbounded = 0;
        await foreach (var stored in store.ReadAsync(conversationId, 0, ct).ConfigureAwait(false))
        {
            var e = RasaEventJson.FromStored(stored);
            if (unbounded > 0 && (e is UserUttered || unbounded >= options.MaxEventsInMemory / 2))
            {
                tracker = Bounded(conversationId, tracker);
                unbounded = 0;
            }
            tracker = tracker.Append(e);
            unbounded++;
        }
        if (tracker.Events.IsEmpty) return tracker;
        // Kept, so that the next read or turn does not replay it again.
        Cache(conversationId, tracker);
        return trackers[conversationId];
    }

    public async Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        return TrackerJson.Build(await LoadAsync(conversationId, ct).ConfigureAwait(false));
    }

    public async Task<TrackerHead> GetTrackerHeadAsync(string conversationId, CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        return new TrackerHead(TrackerJson.Build(tracker, withEvents: false), tracker.Events.Count);
    }

    public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        AppendAsync(conversationId, t => t.State.Paused
            ? [new AgentUttered(agent, text)]
            : [new ConversationPaused("agent"), new AgentUttered(agent, text)], ct);

    public Task HandBackAsync(string conversationId, CancellationToken ct = default) =>
        AppendAsync(conversationId, t => t.State.Paused
            ? [new ConversationResumed(), .. new ActionContext(t, bot.Domain, responses, options.Channel).Utter("utter_handback")]
            : [], ct);

    public async Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        feedback = EventRedaction.Redact(feedback, options.Privacy);   // a rating's comment may say a phone number
        var outcome = await ConversationFeedback.CheckAsync(store, conversationId, tracker.Events.Count, feedback, ct).ConfigureAwait(false);
        if (outcome != FeedbackOutcome.Stored) return outcome;
        await Append(conversationId, tracker.Events.Count, [feedback], ct).ConfigureAwait(false);
        Cache(conversationId, tracker.Append(feedback));
        return outcome;
    }

    public async Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default)
    {
        await using var held = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        if (idleBefore is { } cutoff)
            await foreach (var newest in store.ReadBackwardAsync(conversationId, int.MaxValue, ct).ConfigureAwait(false))
            {
                if (newest.Timestamp >= cutoff) return false; // a message came in since the sweep listed it
                break;
            }
        trackers.TryRemove(conversationId, out _);
        await store.DeleteAsync(conversationId, ct).ConfigureAwait(false);
        return true;
    }

    private async Task AppendAsync(string conversationId, Func<Tracker, IReadOnlyList<DialogueEvent>> events, CancellationToken ct)
    {
        await using var _ = await locks.AcquireAsync(conversationId, ct).ConfigureAwait(false);
        var tracker = await LoadAsync(conversationId, ct).ConfigureAwait(false);
        var added = EventRedaction.Redact(events(tracker), options.Privacy);
        if (added.Count == 0) return;
        await Append(conversationId, tracker.Events.Count, added, ct).ConfigureAwait(false);
        Cache(conversationId, tracker.AppendAll(added));
    }

    /// <summary>
    /// Fenced where other processes write the store too: a turn whose lock expired under it stores nothing. The reminder
    /// scheduler hears of what was stored.
    /// </summary>
    private async Task Append(string conversationId, int countBefore, IReadOnlyList<DialogueEvent> added, CancellationToken ct)
    {
        var stored = added.Select(RasaEventJson.ToStored).ToList();
        if (!locks.SharedAcrossProcesses)
            await store.AppendAsync(conversationId, stored, ct).ConfigureAwait(false);
        else
        {
            trackers.TryRemove(conversationId, out _); // cached again only once the append has landed
            await store.AppendExpectingAsync(conversationId, countBefore, stored, ct).ConfigureAwait(false);
        }
        options.Reminders?.Stored(conversationId, added);
    }
}
