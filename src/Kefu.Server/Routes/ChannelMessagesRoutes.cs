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
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Routes;

/// <summary>
/// The REST channel's way back to the customer for messages no webhook reply carries: a human agent's words
/// during a handoff and the bot's at the hand-back. A web chat's conversation answers to its session's cookie (see
/// <see cref="ConversationSessions"/>), any other to the server's token or JWT when one is set. Clients poll with the cursor.
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
            .WithSummary("Bot and agent messages from event `after` on (the `next` of the previous answer), `limit` at a time; poll it for agent messages");
        return group;
    }

    private static async Task<Results<Ok<ChannelMessagesResponse>, ProblemHttpResult>> Messages(
        string sender, string? after, string? limit, HttpContext context, ServerReadiness readiness, KefuServerOptions options, ConversationSessions sessions,
        CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (InputRules.ConversationId(sender, "sender", options.Limits) is { } badSender)
            return Problems.BadRequest(badSender);
        if (await sessions.RefuseReadAsync(context, sender) is { } refused)
            return refused;
        if (Cursor(after, 0) is not { } start)
            return Problems.BadRequest(
                $"after is \"{after}\"; expected a whole number from 0 to {int.MaxValue}: the `next` of the previous answer, or 0");
        var most = options.Limits.MaxMessagesPerPage;
        if (Cursor(limit, most) is not ({ } pageSize and >= 1) || pageSize > most)
            return Problems.BadRequest($"limit is \"{limit}\"; expected a whole number from 1 to {most}");

        // Read from the store, not through the engine's tracker: one stored turn at a time, so a poll holds at most a
        // page of messages however long the conversation. An unknown sender has no events and gets an empty answer, the
        // same as a conversation not started yet: a new web chat polls before its first message, and the answer tells
        // nothing about which ids exist.
        var store = context.RequestServices.GetRequiredService<IEventStore>();
        var page = await ReadAsync(store, sender, start, pageSize, ct);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(page);
    }

    private static int? Cursor(string? value, int absent) =>
        value is null ? absent
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
        : null;

    /// <summary>
    /// Up to <paramref name="limit"/> bot and agent messages from event <paramref name="start"/> on. A bot event was in a
    /// webhook reply when the last event that changed who speaks was the user's message or a session start (part of a
    /// turn); after the turn's action_listen (a queue notice appended later) or a "resume" (the hand-back) the bot
    /// speaks unprompted. Next is the index after the last event read:
    /// the conversation's length when the page reached its end.
    /// </summary>
    internal static async Task<ChannelMessagesResponse> ReadAsync(IEventStore store, string sender, int start, int limit, CancellationToken ct)
    {
        var inReply = true;
        if (start > 0)
            await foreach (var e in store.ReadBackwardAsync(sender, start, ct))
                if (Speaker(e) is { } speaker)
                {
                    inReply = speaker;
                    break;
                }

        var messages = new List<ChannelMessage>();
        var index = start;
        await foreach (var e in store.ReadAsync(sender, start, ct))
        {
            if (messages.Count == limit)
                return new ChannelMessagesResponse(messages, index, More: true);
            inReply = Speaker(e) ?? inReply;
            if (e.Type is "bot" or "agent")
                messages.Add(Message(sender, index, e, inReply));
            index++;
        }
        return new ChannelMessagesResponse(messages, index > start ? index : await store.CountAsync(sender, ct));
    }

    /// <summary>Whether what the bot says next answers a user message (true) or not (false); null for events that do not tell.</summary>
    private static bool? Speaker(StoredEvent e) => e.Type switch
    {
        "user" or "session_started" => true,
        "resume" => false,
        "action" when IsActionListen(e) => false,
        _ => null,
    };

    private static bool IsActionListen(StoredEvent e)
    {
        using var json = JsonDocument.Parse(e.Utf8Json);
        return String(json.RootElement, "name") == "action_listen";
    }

    private static ChannelMessage Message(string sender, int index, StoredEvent e, bool inReply)
    {
        using var json = JsonDocument.Parse(e.Utf8Json);
        var root = json.RootElement;
        var timestamp = e.Timestamp.ToUnixTimeMilliseconds() / 1000.0;
        if (e.Type == "agent")
            return new ChannelMessage(index, sender, "agent", false, String(root, "agent"), String(root, "text"), Timestamp: timestamp);
        var bot = RasaEventJson.BotMessageFromJson(root);
        return new ChannelMessage(index, sender, "bot", inReply, null, bot.Text, bot.Image,
            bot.Buttons?.Select(b => new RestChannelButton(b.Title, b.Payload)).ToArray(), bot.Custom, timestamp,
            root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object ? String(metadata, "utter_action") : null);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
