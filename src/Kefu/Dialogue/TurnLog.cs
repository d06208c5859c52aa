using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Kefu.Dialogue.Tracking;
using Microsoft.Extensions.Logging;

namespace Kefu.Dialogue;

/// <summary>
/// One information line per bot turn (event "turn", id 100, the agent's logger):
/// <c>{"conversation":"3f1a9c0b52d7e6a4","intent":"check_order","confidence":0.97,"actions":"order_form,action_listen","paused":false,"duration_ms":4.2}</c>.
/// Never the message text, entities or slot values, which may hold personal data; the conversation id (often a phone or
/// customer number) only as the first 16 hex digits of its SHA-256, which an operator can compute from an id to find its lines.
/// </summary>
internal static partial class TurnLog
{
    [LoggerMessage(EventId = 100, EventName = "turn", Level = LogLevel.Information,
        Message = "turn {conversation} intent={intent} confidence={confidence:0.000} actions={actions} paused={paused} {duration_ms:0.0} ms")]
    private static partial void Turn(ILogger logger, string conversation, string? intent, float? confidence, string actions, bool paused, double duration_ms);

    public static void Write(ILogger logger, string conversationId, Tracker tracker, IReadOnlyList<DialogueEvent> added, long startTimestamp)
    {
        if (!logger.IsEnabled(LogLevel.Information)) return;
        var parse = added.OfType<UserUttered>().LastOrDefault()?.Parse;
        var actions = string.Join(',', added.OfType<ActionExecuted>().Select(a => a.Name));
        Turn(logger, Hash(conversationId), parse?.Intent.Name, parse?.Intent.Confidence, actions, tracker.State.Paused,
            Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);
    }

    /// <summary>The first 16 hex digits of the SHA-256 of the id's UTF-8 bytes: `printf %s ID | sha256sum | cut -c1-16`.</summary>
    public static string Hash(string conversationId)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(conversationId), digest);
        return Convert.ToHexStringLower(digest[..8]);
    }
}
