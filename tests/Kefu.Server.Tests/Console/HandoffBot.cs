using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;

namespace Kefu.Server.Tests.Console;

/// <summary>
/// A stand-in engine that hands off as the real one does (action_handoff: "utter_handoff" then "pause" with the
/// intent as reason) when the message asks for 人工; otherwise it echoes. State comes from the store, so a second
/// server on the same database continues where the first stopped. User events carry parse_data as the engine stores it.
/// </summary>
public sealed class HandoffBot(IEventStore store) : IChatService
{
    public const string HandoffText = "正在为您转接人工客服，请稍候。";
    public const string HandBackText = "人工客服已结束服务，接下来由智能客服继续为您解答。";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default) =>
        await Locked(conversationId, async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var parse = Parse(text);
            var events = new List<StoredEvent> { User(now, text, parse) };
            IReadOnlyList<BotMessage> replies = [];
            if (!await PausedAsync(conversationId))
            {
                replies = parse.Intent.Name == "request_human" ? [new BotMessage(HandoffText)] : [new BotMessage("echo: " + text)];
                events.AddRange(replies.Select(r => Event("bot", now, new JsonObject { ["text"] = r.Text })));
                if (parse.Intent.Name == "request_human")
                    events.Add(Event("pause", now, new JsonObject { ["reason"] = "request_human" }));
            }
            await store.AppendAsync(conversationId, events, ct);
            return replies;
        });

    public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            await store.AppendAsync(conversationId, [User(DateTimeOffset.UtcNow, text, parse ?? Parse(text))], ct);
            return 0;
        });

    public NluParse Parse(string text)
    {
        var intent = text.Contains("人工") ? new IntentPrediction("request_human", 0.93f) : new IntentPrediction("chitchat", 0.61f);
        return new NluParse(text, intent, [intent], []);
    }

    public async Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) =>
        JsonSerializer.SerializeToElement(new JsonObject { ["sender_id"] = conversationId, ["paused"] = await PausedAsync(conversationId), ["events"] = new JsonArray() });

    public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            var now = DateTimeOffset.UtcNow;
            var message = Event("agent", now, new JsonObject { ["agent"] = agent, ["text"] = text });
            await store.AppendAsync(conversationId, await PausedAsync(conversationId) ? [message] : [Event("pause", now, new JsonObject { ["reason"] = "agent" }), message], ct);
            return 0;
        });

    public Task HandBackAsync(string conversationId, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            if (await PausedAsync(conversationId))
            {
                var now = DateTimeOffset.UtcNow;
                await store.AppendAsync(conversationId, [Event("resume", now, new JsonObject()), Event("bot", now, new JsonObject { ["text"] = HandBackText })], ct);
            }
            return 0;
        });

    /// <summary>No domain: always the built-in text; only while handed off, as the engine's.</summary>
    public Task SayAsync(string conversationId, string response, IReadOnlyDictionary<string, string> values, string otherwise, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            if (await PausedAsync(conversationId))
                await store.AppendAsync(conversationId, [Event("bot", DateTimeOffset.UtcNow, new JsonObject { ["text"] = otherwise })], ct);
            return 0;
        });

    public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            var outcome = await ConversationFeedback.CheckAsync(store, conversationId, await store.CountAsync(conversationId, ct), feedback, ct);
            if (outcome == FeedbackOutcome.Stored)
                await store.AppendAsync(conversationId, [RasaEventJson.ToStored(feedback)], ct);
            return outcome;
        });

    public Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default) =>
        Locked(conversationId, async () =>
        {
            await store.DeleteAsync(conversationId, ct);
            return true;
        });

    private async Task<bool> PausedAsync(string conversationId)
    {
        var count = await store.CountAsync(conversationId);
        var last = await store.LastIndexOfAsync(conversationId, ["pause", "resume", "restart", "session_started"], count);
        return last >= 0 && (await store.ReadAsync(conversationId, last).FirstAsync()).Type == "pause";
    }

    private async Task<T> Locked<T>(string conversationId, Func<Task<T>> work)
    {
        var gate = _locks.GetOrAdd(conversationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            return await work();
        }
        finally
        {
            gate.Release();
        }
    }

    private static StoredEvent User(DateTimeOffset at, string text, NluParse parse) => Event("user", at, new JsonObject
    {
        ["text"] = text,
        ["parse_data"] = JsonNode.Parse(RasaEventJson.ToJsonString(w => RasaEventJson.WriteParse(w, parse))),
    });

    private static StoredEvent Event(string type, DateTimeOffset at, JsonObject body) => new(type, body.ToJsonString(), at);
}
