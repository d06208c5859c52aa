using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;

namespace Kefu.Server;

/// <summary>
/// The dialogue engine before it exists: registered at once, so that the server starts (and answers /healthz, and 503
/// on the chat routes) while the model loads beside it; every call waits for <paramref name="engine"/>. The routes
/// call it only once the server is marked ready, by which time the engine is there.
/// </summary>
public sealed class DeferredChatService(Task<IChatService> engine) : IChatService
{
    public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text,
        JsonElement? metadata = null, CancellationToken ct = default) =>
        await (await engine).HandleMessageAsync(conversationId, text, metadata, ct);

    public async Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) =>
        await (await engine).RecordUserMessageAsync(conversationId, text, parse, ct);

    public NluParse Parse(string text) => engine.GetAwaiter().GetResult().Parse(text);

    public NluParse Parse(string text, DateTimeOffset referenceTime) => engine.GetAwaiter().GetResult().Parse(text, referenceTime);

    public async Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) =>
        await (await engine).GetTrackerAsync(conversationId, ct);

    public async Task<TrackerHead> GetTrackerHeadAsync(string conversationId, CancellationToken ct = default) =>
        await (await engine).GetTrackerHeadAsync(conversationId, ct);

    public async Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) =>
        await (await engine).AgentMessageAsync(conversationId, agent, text, ct);

    public async Task HandBackAsync(string conversationId, CancellationToken ct = default) =>
        await (await engine).HandBackAsync(conversationId, ct);

    public async Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default) =>
        await (await engine).EraseAsync(conversationId, idleBefore, ct);
}
