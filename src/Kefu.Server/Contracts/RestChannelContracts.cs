using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Server.Contracts;

/// <summary>Rasa REST channel request: POST /webhooks/rest/webhook.</summary>
public sealed record RestChannelRequest(string? Sender, string? Message, JsonElement? Metadata = null);

/// <summary>One bot message in Rasa REST channel shape; exactly the fields the message has are written.</summary>
public sealed record RestChannelReply(
    string RecipientId,
    string? Text = null,
    string? Image = null,
    IReadOnlyList<RestChannelButton>? Buttons = null,
    JsonElement? Custom = null)
{
    public static RestChannelReply From(string recipientId, BotMessage message) => new(
        recipientId,
        message.Text,
        message.Image,
        message.Buttons?.Select(b => new RestChannelButton(b.Title, b.Payload)).ToArray(),
        message.Custom);
}

public sealed record RestChannelButton(string Title, string Payload);
