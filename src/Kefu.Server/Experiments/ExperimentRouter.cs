using System.Collections.Concurrent;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Experiments;
using Kefu.Nlu;
using Kefu.Observability;
using Kefu.Projects;

namespace Kefu.Server.Experiments;

/// <summary>
/// The engine of a live A/B experiment (docs/experiments.md, "Live experiments"): one engine per arm, each conversation
/// served by one of them. A conversation's arm is the one its "experiment" event records, else the stable hash of
/// <see cref="ArmAssigner"/>; its first turn in the experiment records it (<see cref="ExperimentJoined"/>) and counts it in
/// kefu_ab_conversations_total. Every call on a conversation goes to its arm's engine, so its lock and cached tracker stay
/// in one engine. What touches no conversation (parse, domain) goes to the baseline, arm A. Swapped in whole by
/// <see cref="EngineSwitch"/>, which lets the previous engine's calls finish first.
/// </summary>
public sealed class ExperimentRouter : IChatService, IConversationControl
{
    /// <summary>Conversations whose arm is remembered; beyond this the memory starts over and arms are read again.</summary>
    public const int MaxRemembered = 100_000;

    /// <summary>A conversation's arm, and the recording of its joining (done once; already done when read from the store).</summary>
    sealed class Membership(string arm, Func<Task>? join)
    {
        public string Arm { get; } = arm;
        public Lazy<Task> Join { get; } = new(join ?? (() => Task.CompletedTask));
    }

    readonly ArmAssigner assigner;
    readonly Dictionary<string, IChatService> engines;
    readonly IChatService baseline;
    readonly IEventStore store;
    readonly ConcurrentDictionary<string, Lazy<Task<Membership>>> members = new(StringComparer.Ordinal);

    /// <param name="engines">One engine per arm of <paramref name="experiment"/>, in the order of its arms.</param>
    /// <param name="store">The store the engines share: where recorded arms are read from.</param>
    public ExperimentRouter(LiveExperiment experiment, IReadOnlyList<IChatService> engines, IEventStore store)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (engines.Count != experiment.Arms.Count)
            throw new ArgumentException($"experiment {experiment.Name} has {experiment.Arms.Count} arms and {engines.Count} engines");
        Experiment = experiment;
        assigner = experiment.Assigner();
        this.engines = experiment.Arms.Select((a, i) => (a.Name, Engine: engines[i])).ToDictionary(p => p.Name, p => p.Engine, StringComparer.Ordinal);
        baseline = engines[0];
        this.store = store;
    }

    public LiveExperiment Experiment { get; }

    /// <summary>The engine serving <paramref name="arm"/>.</summary>
    public IChatService EngineOf(string arm) => engines[arm];

    /// <summary>The arm a conversation is (or will be) served by; records nothing.</summary>
    public async Task<string> ArmOfAsync(string conversationId, CancellationToken ct = default) =>
        (await MembershipAsync(conversationId, ct).ConfigureAwait(false)).Arm;

    async Task<Membership> MembershipAsync(string conversationId, CancellationToken ct)
    {
        if (members.Count >= MaxRemembered) members.Clear();
        var entry = members.GetOrAdd(conversationId, id => new Lazy<Task<Membership>>(() => ResolveAsync(id)));
        try
        {
            return await entry.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch when (entry.Value.IsFaulted)
        {
            members.TryRemove(new(conversationId, entry));   // a store that failed once is asked again next time
            throw;
        }
    }

    /// <summary>The arm the store records for this experiment (sticky over restarts and edited weights), else the hash's.</summary>
    async Task<Membership> ResolveAsync(string conversationId)
    {
        await foreach (var e in store.ReadBackwardAsync(conversationId, int.MaxValue).ConfigureAwait(false))
            if (e.Type == "experiment")
            {
                if (RasaEventJson.FromStored(e) is ExperimentJoined joined && joined.Experiment == Experiment.Name && engines.ContainsKey(joined.Arm))
                    return new Membership(joined.Arm, null);
                break;   // the latest experiment it joined is another: it joins this one now
            }
        var arm = Experiment.Arm(assigner.Assign(conversationId).Name)!;
        return new Membership(arm.Name, () => RecordJoinAsync(conversationId, arm));
    }

    async Task RecordJoinAsync(string conversationId, ExperimentArm arm)
    {
        // through the arm's engine, under the conversation's lock; a new conversation gets its session start first
        await Control(engines[arm.Name]).AppendEventsAsync(conversationId, [new ExperimentJoined(Experiment.Name, arm.Name, arm.Version)],
            CancellationToken.None).ConfigureAwait(false);
        KefuMetrics.AbConversations.Add(1, new KeyValuePair<string, object?>("experiment", Experiment.Name),
            new KeyValuePair<string, object?>("arm", arm.Name));
    }

    /// <summary>The engine of a conversation's arm, for any call on it.</summary>
    async Task<IChatService> EngineAsync(string conversationId, CancellationToken ct) =>
        engines[(await MembershipAsync(conversationId, ct).ConfigureAwait(false)).Arm];

    /// <summary>The engine of a conversation's arm for a turn: the conversation has joined the experiment when it returns.</summary>
    async Task<IChatService> JoinedEngineAsync(string conversationId, CancellationToken ct)
    {
        var entry = members.GetValueOrDefault(conversationId);
        var member = await MembershipAsync(conversationId, ct).ConfigureAwait(false);
        try
        {
            await member.Join.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch when (member.Join.Value.IsFaulted)
        {
            if (entry is not null) members.TryRemove(new(conversationId, entry));
            else members.TryRemove(conversationId, out _);
            throw;
        }
        return engines[member.Arm];
    }

    static IConversationControl Control(IChatService engine) => engine as IConversationControl
        ?? throw new NotSupportedException("the loaded dialogue engine does not offer Rasa's conversation API (IConversationControl)");

    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default) =>
        await (await JoinedEngineAsync(conversationId, ct).ConfigureAwait(false)).HandleMessageAsync(conversationId, text, metadata, ct).ConfigureAwait(false);

    public async Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).RecordUserMessageAsync(conversationId, text, parse, ct).ConfigureAwait(false);

    public NluParse Parse(string text) => baseline.Parse(text);

    public NluParse Parse(string text, DateTimeOffset referenceTime) => baseline.Parse(text, referenceTime);

    public async Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).GetTrackerAsync(conversationId, ct).ConfigureAwait(false);

    public async Task<TrackerHead> GetTrackerHeadAsync(string conversationId, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).GetTrackerHeadAsync(conversationId, ct).ConfigureAwait(false);

    public async Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).AgentMessageAsync(conversationId, agent, text, ct).ConfigureAwait(false);

    public async Task HandBackAsync(string conversationId, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).HandBackAsync(conversationId, ct).ConfigureAwait(false);

    public async Task SayAsync(string conversationId, string response, IReadOnlyDictionary<string, string> values, string otherwise,
        CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).SayAsync(conversationId, response, values, otherwise, ct).ConfigureAwait(false);

    public async Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default) =>
        await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).RecordFeedbackAsync(conversationId, feedback, ct).ConfigureAwait(false);

    public async Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default)
    {
        bool erased = await (await EngineAsync(conversationId, ct).ConfigureAwait(false)).EraseAsync(conversationId, idleBefore, ct).ConfigureAwait(false);
        if (erased) members.TryRemove(conversationId, out _);
        return erased;
    }

    public Domain Domain => Control(baseline).Domain;

    public IMessageParser Nlu => Control(baseline).Nlu;

    public Dialogue.Policies.PolicyEnsemble Policies => Control(baseline).Policies;

    public bool HasAction(string name) => Control(baseline).HasAction(name);

    public async Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        await Control(await EngineAsync(conversationId, ct).ConfigureAwait(false)).AppendEventsAsync(conversationId, events, ct).ConfigureAwait(false);

    public async Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
        await Control(await EngineAsync(conversationId, ct).ConfigureAwait(false)).ReplaceEventsAsync(conversationId, events, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities,
        CancellationToken ct = default) =>
        await Control(await JoinedEngineAsync(conversationId, ct).ConfigureAwait(false)).TriggerIntentAsync(conversationId, intent, entities, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<BotMessage>?> FireReminderAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct = default) =>
        await Control(await JoinedEngineAsync(conversationId, ct).ConfigureAwait(false)).FireReminderAsync(conversationId, reminder, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence,
        CancellationToken ct = default) =>
        await Control(await EngineAsync(conversationId, ct).ConfigureAwait(false)).ExecuteActionAsync(conversationId, action, policy, confidence, ct).ConfigureAwait(false);

    public async Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default) =>
        await Control(await EngineAsync(conversationId, ct).ConfigureAwait(false)).PredictAsync(conversationId, ct).ConfigureAwait(false);
}
