using System.Globalization;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// The REST channel's way back to the customer for messages no webhook reply carries: a human agent's words
/// during a handoff and the bot's at the hand-back. A web chat's conversation answers to its session's cookie (see
/// <see cref="ConversationSessions"/>), any other to the server's token when one is set. Clients poll with the cursor.
/// </summary>
public static class ChannelMessagesRoutes
{
    public static RouteGroupBuilder MapChannelMessages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/rest/conversations/{sender}").WithTags("Channels");
        group.MapGet("/messages", Messages)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Bot and agent messages from event `after` on (the `next` of the previous answer); poll it for agent messages");
        return group;
    }

    private static async Task<Results<Ok<ChannelMessagesResponse>, ProblemHttpResult>> Messages(
        string sender, string? after, HttpContext context, IChatService chat, ServerReadiness readiness, ConversationSessions sessions,
        CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady();
        if (InputRules.ConversationId(sender, "sender") is { } badSender)
            return Problems.BadRequest(badSender);
        if (sessions.RefuseRead(context, sender) is { } refused)
            return refused;
        if (Cursor(after) is not { } start)
            return Problems.BadRequest(
                $"after is \"{after}\"; expected a whole number from 0 to {int.MaxValue}: the `next` of the previous answer, or 0");

        // An unknown sender has no events and gets an empty answer, the same as a conversation not started yet:
        // a new web chat polls before its first message, and the answer tells nothing about which ids exist.
        var tracker = await chat.GetTrackerAsync(sender, ct);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(Read(sender, tracker, start));
    }

    private static int? Cursor(string? after) =>
        after is null ? 0
        : int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : null;

    /// <summary>
    /// Bot and agent events from index <paramref name="start"/> on. A bot event was in a webhook reply when the
    /// last event that changed who speaks was the user's message or a session start (part of a turn); after a
    /// "resume" (the hand-back) the bot speaks unprompted.
    /// </summary>
    internal static ChannelMessagesResponse Read(string sender, JsonElement tracker, int start)
    {
        var messages = new List<ChannelMessage>();
        var count = 0;
        var inReply = true;
        if (tracker.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
            foreach (var e in events.EnumerateArray())
            {
                var index = count++;
                switch (String(e, "event"))
                {
                    case "user" or "session_started":
                        inReply = true;
                        break;
                    case "resume":
                        inReply = false;
                        break;
                    case "bot" when index >= start:
                        var bot = RasaEventJson.BotMessageFromJson(e);
                        messages.Add(new ChannelMessage(index, sender, "bot", inReply, null, bot.Text, bot.Image,
                            bot.Buttons?.Select(b => new RestChannelButton(b.Title, b.Payload)).ToArray(), bot.Custom, Timestamp(e)));
                        break;
                    case "agent" when index >= start:
                        messages.Add(new ChannelMessage(index, sender, "agent", false, String(e, "agent"), String(e, "text"),
                            Timestamp: Timestamp(e)));
                        break;
                }
            }
        return new ChannelMessagesResponse(messages, count);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Timestamp(JsonElement e) =>
        e.TryGetProperty("timestamp", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
