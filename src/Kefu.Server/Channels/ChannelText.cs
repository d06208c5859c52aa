using Kefu.Dialogue;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Channels;

/// <summary>A bot message as one plain text, for the channels whose replies Kefu sends as text (WeChat, WeCom, Feishu, DingTalk).</summary>
internal static class ChannelText
{
    /// <summary>Its text, a line "· title" per button (the user sends the title back, which the NLU reads), the image's URL; "" when none.</summary>
    public static string Of(BotMessage reply, ILogger logger, string channel, string senderId)
    {
        var lines = new List<string>();
        if (reply.Text is { Length: > 0 } text)
            lines.Add(text);
        if (reply.Buttons is { Count: > 0 } buttons)
            lines.AddRange(buttons.Select(b => "· " + b.Title));
        if (reply.Image is { Length: > 0 } image)
            lines.Add(image);
        if (reply.Custom is not null)
            logger.LogWarning("{Channel}: a custom payload to {Sender} is not sent (Kefu sends only text there); the conversation keeps it", channel, senderId);
        return string.Join("\n", lines);
    }
}
