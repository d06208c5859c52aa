using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Server.Contracts;

/// <summary>Rasa REST channel request: POST /webhooks/rest/webhook.</summary>
public sealed record RestChannelRequest(string? Sender, string? Message, JsonElement? Metadata = null);

/// <summary>
/// One bot message in Rasa REST channel shape; exactly the fields the message has are written. Response, beyond Rasa's
/// shape, names the domain response the message was rendered from (e.g. utter_goodbye), as the messages route does.
/// </summary>
public sealed record RestChannelReply(
    string RecipientId,
    string? Text = null,
    string? Image = null,
    IReadOnlyList<RestChannelButton>? Buttons = null,
    JsonElement? Custom = null,
    string? Response = null)
{
    public static RestChannelReply From(string recipientId, BotMessage message) => new(
        recipientId,
        message.Text,
        message.Image,
        message.Buttons?.Select(b => new RestChannelButton(b.Title, b.Payload)).ToArray(),
        message.Custom,
        message.Response);
}

public sealed record RestChannelButton(string Title, string Payload);
