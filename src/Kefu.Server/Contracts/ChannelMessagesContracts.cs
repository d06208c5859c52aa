using System.Text.Json;

namespace Kefu.Server.Contracts;

/// <summary>
/// GET /webhooks/rest/conversations/{sender}/messages: what the bot and human agents said in a conversation,
/// from event <c>after</c> on, a page at a time. <see cref="Next"/> is the <c>after</c> of the next call; <see cref="More"/>
/// is true when the page is full and more messages follow (ask again at once), absent otherwise.
/// </summary>
public sealed record ChannelMessagesResponse(IReadOnlyList<ChannelMessage> Messages, int Next, bool? More = null);

/// <summary>
/// One message to the customer in Rasa REST channel shape, plus who said it. Sender is "bot" or "agent" (then
/// Agent names the human). Index is the event's position in the conversation's tracker. DeliveredInReply is
/// true for a bot message that answered a user message, so the webhook's reply already carried it; false for
/// what only this route delivers (agent messages, the bot's words at a hand-back). Response names the domain response
/// the bot message was rendered from (the bot event's metadata.utter_action, e.g. utter_goodbye), when it was one.
/// </summary>
public sealed record ChannelMessage(
    int Index,
    string RecipientId,
    string Sender,
    bool DeliveredInReply,
    string? Agent = null,
    string? Text = null,
    string? Image = null,
    IReadOnlyList<RestChannelButton>? Buttons = null,
    JsonElement? Custom = null,
    double? Timestamp = null,
    string? Response = null);
