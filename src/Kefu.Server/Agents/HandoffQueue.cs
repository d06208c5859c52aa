using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Kefu.Dialogue;

namespace Kefu.Server.Agents;

/// <summary>A handed-off conversation as the console lists it.</summary>
public sealed record QueueEntry(string ConversationId, DateTimeOffset HandedOffAt, string? Reason, Claim? Claim);

public enum ClaimOutcome { Claimed, NotHandedOff, TakenByOther }

/// <summary>
/// The conversations handed to a human and not handed back, with who claimed them. Which are handed off comes from
/// the event log: rebuilt from the store at start (<see cref="LoadAsync"/>: a conversation's last "pause", "resume",
/// "restart" or "session_started" tells), then kept current by <see cref="HandoffWatchingStore"/>, which sees every
/// append. Claims and notes live in the <see cref="ConsoleStore"/>. One lock: a claim is checked and written at once,
/// so of two agents claiming together exactly one wins. One server process: replicas sharing a PostgreSQL store each
/// see only the handoffs their own process appended (docs/agents.md).
/// </summary>
public sealed class HandoffQueue
{
    /// <summary>Events after which a conversation is no longer handed off: the tracker's Paused is false after each.</summary>
    internal static readonly string[] EndTypes = ["resume", "restart", "session_started"];

    private static readonly string[] StateTypes = ["pause", .. EndTypes];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset At, string? Reason)> _handedOff = new(StringComparer.Ordinal);
    // Conversations whose handoff state an append set while the store was being read: the read's older answer loses.
    private readonly HashSet<string> _seenLive = new(StringComparer.Ordinal);
    private bool _loading = true;
    // Handoffs the store's read found and no append has reported yet: the first "pause" reported for one may be the very
    // event the read saw (appended before the read, reported during or after it), so it is announced all the same.
    private readonly HashSet<string> _loadedUnreported = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Claim> _claims;
    // Handoff-to-first-claim waits of the last WaitEstimate.ClaimsKept claims, oldest first.
    private readonly Queue<TimeSpan> _waits;
    // When each agent's console last read the queue (it polls every 2 s while open).
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>How recently an agent's console must have read the queue for the agent to count as online.</summary>
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromSeconds(30);
    private readonly ConsoleStore _store;
    private readonly TimeProvider _time;
    private readonly Channel<string> _handoffs = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="meter">The server's own meter (HttpMetrics'), so that each server exports its own queue's length.</param>
    public HandoffQueue(ConsoleStore store, TimeProvider time, Meter meter)
    {
        _store = store;
        _time = time;
        _claims = store.LoadClaims();
        _waits = new Queue<TimeSpan>(store.LoadClaimWaits().TakeLast(WaitEstimate.ClaimsKept));
        // Exact name: alerts are written against it.
        meter.CreateObservableGauge("kefu_handoff_queue_length", () => UnclaimedCount,
            description: "Handed-off conversations no agent has claimed");
    }

    /// <summary>Completes once the store has been read; the console's routes wait for it.</summary>
    public Task Loaded => _loaded.Task;

    public int UnclaimedCount
    {
        get
        {
            lock (_gate)
                return _handedOff.Keys.Count(id => !_claims.ContainsKey(id));
        }
    }

    /// <summary>Every conversation's handoff state from the store. What appends report meanwhile wins: it is newer.</summary>
    public async Task LoadAsync(IEventStore store, CancellationToken ct)
    {
        try
        {
            foreach (var id in await store.ListConversationsAsync(ct))
            {
                var count = await store.CountAsync(id, ct);
                var last = await store.LastIndexOfAsync(id, StateTypes, count, ct);
                if (last < 0)
                    continue;
                var e = await store.ReadAsync(id, last, ct).FirstAsync(ct);
                lock (_gate)
                    if (!_seenLive.Contains(id) && e.Type == "pause")
                    {
                        _handedOff[id] = (e.Timestamp, Reason(e));
                        _loadedUnreported.Add(id);
                    }
            }
            lock (_gate)
            {
                foreach (var id in _claims.Keys.Where(id => !_handedOff.ContainsKey(id)).ToList())
                    RemoveClaim(id);
                _seenLive.Clear();
                _loading = false;
            }
            _loaded.TrySetResult();
        }
        catch (Exception e)
        {
            _loaded.TrySetException(e);
            throw;
        }
    }

    /// <summary>Events just appended to a conversation (called by <see cref="HandoffWatchingStore"/> after the append).</summary>
    public void Appended(string conversationId, IReadOnlyList<StoredEvent> events)
    {
        foreach (var e in events)
        {
            if (e.Type == "pause")
                lock (_gate)
                {
                    var readFirst = _loadedUnreported.Remove(conversationId);
                    if (_loading)
                        _seenLive.Add(conversationId);
                    var reason = Reason(e);
                    // An agent who wrote in a conversation has it already: nobody waits.
                    if ((_handedOff.TryAdd(conversationId, (e.Timestamp, reason)) || readFirst) && reason != "agent")
                        _handoffs.Writer.TryWrite(conversationId);
                }
            else if (EndTypes.Contains(e.Type))
                lock (_gate)
                {
                    if (_loading)
                        _seenLive.Add(conversationId);
                    _handedOff.Remove(conversationId);
                    _loadedUnreported.Remove(conversationId);
                    if (_claims.ContainsKey(conversationId))
                        RemoveClaim(conversationId);
                }
        }
    }

    /// <summary>A conversation just erased from the event store: out of the queue, its claim and notes deleted.</summary>
    public void Erased(string conversationId)
    {
        lock (_gate)
        {
            if (_loading)
                _seenLive.Add(conversationId);
            _handedOff.Remove(conversationId);
            _loadedUnreported.Remove(conversationId);
            _claims.Remove(conversationId);
            _store.Erase(conversationId);
        }
    }

    /// <summary>Conversations just handed off by the bot (not at load), for <see cref="HandoffNotices"/> to tell the customer.</summary>
    internal ChannelReader<string> NewHandoffs => _handoffs.Reader;

    /// <summary>How many unclaimed conversations were handed off before this one; null when it is not handed off.</summary>
    public int? Position(string conversationId)
    {
        lock (_gate)
        {
            if (!_handedOff.TryGetValue(conversationId, out var own))
                return null;
            return _handedOff.Count(p => !_claims.ContainsKey(p.Key)
                && (p.Value.At < own.At || (p.Value.At == own.At && string.CompareOrdinal(p.Key, conversationId) < 0)));
        }
    }

    /// <summary>The wait in minutes <see cref="WaitEstimate"/> gives a customer at <paramref name="position"/>; null before any claim.</summary>
    public int? WaitMinutes(int position)
    {
        var online = AgentsOnline;
        lock (_gate)
            return WaitEstimate.Minutes(_waits, position, online);
    }

    /// <summary>An agent's (or admin's) console just read the queue.</summary>
    public void Seen(string agent)
    {
        lock (_gate)
            _lastSeen[agent] = _time.GetUtcNow();
    }

    /// <summary>Agents whose console read the queue within <see cref="OnlineWindow"/>.</summary>
    public int AgentsOnline
    {
        get
        {
            var since = _time.GetUtcNow() - OnlineWindow;
            lock (_gate)
                return _lastSeen.Values.Count(at => at >= since);
        }
    }

    /// <summary>Oldest handoff first.</summary>
    public IReadOnlyList<QueueEntry> Snapshot()
    {
        lock (_gate)
            return _handedOff.OrderBy(p => p.Value.At).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new QueueEntry(p.Key, p.Value.At, p.Value.Reason, _claims.GetValueOrDefault(p.Key))).ToList();
    }

    public QueueEntry? Find(string conversationId)
    {
        lock (_gate)
            return _handedOff.TryGetValue(conversationId, out var h)
                ? new QueueEntry(conversationId, h.At, h.Reason, _claims.GetValueOrDefault(conversationId))
                : null;
    }

    /// <summary>
    /// Gives the conversation to <paramref name="agent"/> when it is handed off and unclaimed (or already theirs);
    /// <paramref name="from"/>, when given, must hold it (a transfer), unless null and <paramref name="force"/> (an admin).
    /// </summary>
    public (ClaimOutcome Outcome, QueueEntry? Entry) Claim(string conversationId, string agent, string? from = null, bool force = false)
    {
        lock (_gate)
        {
            if (!_handedOff.TryGetValue(conversationId, out var h))
                return (ClaimOutcome.NotHandedOff, null);
            var current = _claims.GetValueOrDefault(conversationId);
            var allowed = force || (from is null ? current is null || current.Agent == agent : current?.Agent == from);
            if (!allowed)
                return (ClaimOutcome.TakenByOther, new QueueEntry(conversationId, h.At, h.Reason, current));
            var claim = current?.Agent == agent ? current : new Claim(agent, _time.GetUtcNow());
            if (claim != current)
            {
                _store.SetClaim(conversationId, claim);
                _claims[conversationId] = claim;
                // A customer's wait: not a transfer, not a conversation an agent joined by writing first.
                if (current is null && h.Reason != "agent")
                    RecordWait(claim.At - h.At);
            }
            return (ClaimOutcome.Claimed, new QueueEntry(conversationId, h.At, h.Reason, claim));
        }
    }

    public void AddNote(string conversationId, HandBackNote note)
    {
        lock (_gate)
            _store.AddNote(conversationId, note);
    }

    public IReadOnlyList<HandBackNote> Notes(string conversationId) => _store.Notes(conversationId);

    private void RecordWait(TimeSpan wait)
    {
        _store.AddClaimWait(wait, WaitEstimate.ClaimsKept);
        _waits.Enqueue(wait);
        while (_waits.Count > WaitEstimate.ClaimsKept)
            _waits.Dequeue();
    }

    private void RemoveClaim(string conversationId)
    {
        _store.RemoveClaim(conversationId);
        _claims.Remove(conversationId);
    }

    private static string? Reason(StoredEvent e)
    {
        using var json = JsonDocument.Parse(e.Utf8Json);
        return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("reason", out var r)
            && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
    }
}
