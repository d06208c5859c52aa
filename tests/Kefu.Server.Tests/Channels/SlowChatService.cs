using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>The echo bot, taking 600 ms over messages that start with "/slow" and failing those that end in "/fail".</summary>
internal sealed class SlowChatService(EchoChatService inner) : IChatService
{
    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default)
    {
        if (text.StartsWith("/slow", StringComparison.Ordinal))
            await Task.Delay(600, ct);
        if (text.EndsWith("/fail", StringComparison.Ordinal))
            throw new InvalidOperationException("the turn failed");
        return await inner.HandleMessageAsync(conversationId, text, metadata, ct);
    }

    public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        inner.RecordUserMessageAsync(conversationId, text, parse, ct);

    public NluParse Parse(string text) => inner.Parse(text);

    public Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) => inner.GetTrackerAsync(conversationId, ct);

    public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        inner.AgentMessageAsync(conversationId, agent, text, ct);

    public Task HandBackAsync(string conversationId, CancellationToken ct = default) => inner.HandBackAsync(conversationId, ct);

    public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, Kefu.Dialogue.Tracking.DialogueEvent feedback, CancellationToken ct = default) =>
        inner.RecordFeedbackAsync(conversationId, feedback, ct);
}
