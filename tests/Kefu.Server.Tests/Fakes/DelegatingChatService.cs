using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;

namespace Kefu.Server.Tests.Fakes;

/// <summary>An IChatService that hands every call to <paramref name="inner"/>; a test's decorator overrides the turn.</summary>
public abstract class DelegatingChatService(IChatService inner) : IChatService
{
    public virtual Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null,
        CancellationToken ct = default) => inner.HandleMessageAsync(conversationId, text, metadata, ct);

    public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        inner.RecordUserMessageAsync(conversationId, text, parse, ct);

    public NluParse Parse(string text) => inner.Parse(text);

    public NluParse Parse(string text, DateTimeOffset referenceTime) => inner.Parse(text, referenceTime);

    public Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) => inner.GetTrackerAsync(conversationId, ct);

    public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        inner.AgentMessageAsync(conversationId, agent, text, ct);

    public Task HandBackAsync(string conversationId, CancellationToken ct = default) => inner.HandBackAsync(conversationId, ct);

    public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default) =>
        inner.RecordFeedbackAsync(conversationId, feedback, ct);
}
