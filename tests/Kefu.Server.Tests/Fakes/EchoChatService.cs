using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Observability;

namespace Kefu.Server.Tests.Fakes;

/// <summary>
/// A stand-in for the dialogue engine that keeps its contract: one turn at a time per conversation, events
/// persisted through IEventStore before the reply. It echoes; "/buttons", "/image", "/custom", "/citations", "/stream" (three pieces streamed, then the reply), "/utter_NAME" (a reply stored as rendered from response utter_NAME) and "/boom"
/// (throws) exercise the other reply kinds and the error path. Handoff as the engine does it: an agent's
/// message pauses the bot ("pause", "agent" events), the hand-back resumes it with a bot message ("resume",
/// "bot"); while paused, user messages are stored and get no reply. A recorded user message is stored with
/// its parse_data and gets no reply. Feedback follows the engine's rules (<see cref="ConversationFeedback"/>).
/// Also compiled into bench/server's host.
/// </summary>
public sealed class EchoChatService(IEventStore store) : IChatService
{
    public const string HandBackText = "人工客服已结束服务，接下来由智能客服继续为您解答。";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<string, bool> _paused = new();

    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text,
        JsonElement? metadata = null, CancellationToken ct = default)
    {
        if (text == "/boom")
            throw new InvalidOperationException("the echo bot was asked to fail");
        IReadOnlyList<BotMessage> replies;
        var gate = Gate(conversationId);
        await gate.WaitAsync(ct);
        try
        {
            if (text == "/stream" && !IsPaused(conversationId))
                foreach (var piece in new[] { "正在", "为您", "查询" })
                {
                    await ReplyStream.WriteAsync(piece);
                    await Task.Delay(20, ct);
                }
            replies = IsPaused(conversationId) ? [] : Reply(text);
            var now = DateTimeOffset.UtcNow;
            var events = new List<StoredEvent> { Event("user", now, new JsonObject { ["text"] = text }) };
            events.AddRange(replies.Select(r => BotEvent(now, r, text.StartsWith("/utter_", StringComparison.Ordinal) ? text[1..] : null)));
            await store.AppendAsync(conversationId, events, ct);
        }
        finally
        {
            gate.Release();
        }
        KefuMetrics.Messages.Add(1);
        KefuMetrics.Intents.Add(1, new KeyValuePair<string, object?>("intent", "echo"));
        return replies;
    }

    /// <summary>The user event with its parse_data (the given parse or <see cref="Parse"/>'s); no reply.</summary>
    public async Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default)
    {
        var gate = Gate(conversationId);
        await gate.WaitAsync(ct);
        try
        {
            var parseData = JsonNode.Parse(RasaEventJson.ToJsonString(w => RasaEventJson.WriteParse(w, parse ?? Parse(text))));
            await store.AppendAsync(conversationId, [Event("user", DateTimeOffset.UtcNow, new JsonObject { ["text"] = text, ["parse_data"] = parseData })], ct);
        }
        finally
        {
            gate.Release();
        }
        KefuMetrics.Messages.Add(1);
        if (parse is null)
            KefuMetrics.Intents.Add(1, new KeyValuePair<string, object?>("intent", "echo"));
    }

    /// <summary>Intent "echo"; every run of ASCII digits is an entity "number".</summary>
    public NluParse Parse(string text)
    {
        var entities = new List<EntitySpan>();
        for (var i = 0; i < text.Length;)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
                i++;
            entities.Add(new EntitySpan(start, i, "number", text[start..i]));
        }
        var intent = new IntentPrediction("echo", 0.9f);
        return new NluParse(text, intent, [intent, new IntentPrediction("other", 0.1f)], entities);
    }

    public async Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default)
    {
        var events = await store.LoadAsync(conversationId, ct);
        var tracker = new JsonObject
        {
            ["sender_id"] = conversationId,
            ["paused"] = events.LastOrDefault(e => e.Type is "pause" or "resume")?.Type == "pause",
            ["events"] = new JsonArray(events.Select(e =>
            {
                var node = JsonNode.Parse(e.Json)!.AsObject();
                node["event"] = e.Type;
                node["timestamp"] = e.Timestamp.ToUnixTimeMilliseconds() / 1000.0;
                return (JsonNode)node;
            }).ToArray()),
        };
        return JsonSerializer.SerializeToElement(tracker);
    }

    public async Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default)
    {
        var gate = Gate(conversationId);
        await gate.WaitAsync(ct);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var message = Event("agent", now, new JsonObject { ["agent"] = agent, ["text"] = text });
            await store.AppendAsync(conversationId, IsPaused(conversationId) ? [message] : [Event("pause", now, new JsonObject()), message], ct);
            _paused[conversationId] = true;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task HandBackAsync(string conversationId, CancellationToken ct = default)
    {
        var gate = Gate(conversationId);
        await gate.WaitAsync(ct);
        try
        {
            if (!IsPaused(conversationId))
                return;
            var now = DateTimeOffset.UtcNow;
            await store.AppendAsync(conversationId, [Event("resume", now, new JsonObject()), BotEvent(now, new BotMessage(HandBackText))], ct);
            _paused[conversationId] = false;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>As the engine does it: <see cref="ConversationFeedback"/>'s rules under the conversation's lock.</summary>
    public async Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default)
    {
        var gate = Gate(conversationId);
        await gate.WaitAsync(ct);
        try
        {
            var outcome = await ConversationFeedback.CheckAsync(store, conversationId, await store.CountAsync(conversationId, ct), feedback, ct);
            if (outcome == FeedbackOutcome.Stored)
                await store.AppendAsync(conversationId, [RasaEventJson.ToStored(feedback)], ct);
            return outcome;
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim Gate(string conversationId) => _locks.GetOrAdd(conversationId, _ => new SemaphoreSlim(1, 1));

    private bool IsPaused(string conversationId) => _paused.TryGetValue(conversationId, out var paused) && paused;

    private static IReadOnlyList<BotMessage> Reply(string text) => text switch
    {
        "/buttons" => [new BotMessage("请选择：", Buttons: [new BotButton("查订单", "/order_status"), new BotButton("退货", "/return")])],
        "/image" => [new BotMessage(Image: "https://example.com/a.png")],
        "/custom" => [new BotMessage(Custom: JsonSerializer.SerializeToElement(new { kind = "card", id = 7 }))],
        "/citations" => [new BotMessage("满99元包邮 [1]。", Custom: JsonSerializer.SerializeToElement(new
        {
            citations = new[] { new { id = "docs/delivery.md#1", title = "配送 > 运费", source = "docs/delivery.md" }, new { id = "faq.yml#fee", title = "", source = "faq.yml" } },
        }))],
        "/stream" => [new BotMessage("查询完毕：订单已发货。")],
        _ when text.StartsWith("/utter_", StringComparison.Ordinal) => [new BotMessage("response: " + text[1..], Response: text[1..])],
        _ => [new BotMessage("echo: " + text)],
    };

    /// <summary>Rasa's bot event: text at the top, buttons under "data", the response's name under metadata.utter_action.</summary>
    private static StoredEvent BotEvent(DateTimeOffset at, BotMessage message, string? response = null)
    {
        var body = new JsonObject
        {
            ["text"] = message.Text,
            ["data"] = message.Buttons is null ? null : new JsonObject
            {
                ["buttons"] = new JsonArray(message.Buttons.Select(b => (JsonNode)new JsonObject { ["title"] = b.Title, ["payload"] = b.Payload }).ToArray()),
            },
        };
        if (response is not null)
            body["metadata"] = new JsonObject { ["utter_action"] = response };
        return Event("bot", at, body);
    }

    private static StoredEvent Event(string type, DateTimeOffset at, JsonObject body) => new(type, body.ToJsonString(), at);
}
