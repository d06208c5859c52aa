using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests.Channels;

/// <summary>The echo bot, taking 600 ms over messages that start with "/slow" and failing those that end in "/fail".</summary>
internal sealed class SlowChatService(EchoChatService inner) : DelegatingChatService(inner)
{
    public override async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default)
    {
        if (text.StartsWith("/slow", StringComparison.Ordinal))
            await Task.Delay(600, ct);
        if (text.EndsWith("/fail", StringComparison.Ordinal))
            throw new InvalidOperationException("the turn failed");
        return await base.HandleMessageAsync(conversationId, text, metadata, ct);
    }
}
