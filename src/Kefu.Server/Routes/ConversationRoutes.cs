using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>Conversations as Rasa's HTTP API shows them: the tracker, added messages (logged, no turn run), and the handoff's hand-back.</summary>
public static class ConversationRoutes
{
    public static RouteGroupBuilder MapConversations(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/conversations/{id}").WithTags("Conversations").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/tracker", Tracker).WithSummary("The conversation in Rasa's tracker shape; include_events: ALL, AFTER_RESTART (default), APPLIED or NONE");
        group.MapPost("/messages", AddMessage)
            .Accepts<ConversationMessageRequest>("application/json")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Adds a user message (no turn runs) or a human agent's message; returns the tracker")
            .WithDescription("""
                sender "user": as Rasa's endpoint, the message is logged on the tracker and nothing is predicted or
                run (no slots extracted, no bot reply), paused or not; a new session starts first when one is due.
                parse_data (Rasa's parse result: intent, entities, intent_ranking) is used when given, otherwise the
                NLU parses the text. The next message through a channel continues the conversation with it.
                sender "agent" with "agent" (the name the customer sees): a human agent's message during a handoff;
                it pauses the bot if it was not paused yet.
                """);
        group.MapPost("/handback", HandBack).WithSummary("Ends a handoff: the bot takes the conversation back; returns the tracker");
        return group;
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> Tracker(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, IChatService chat, ServerReadiness readiness,
        KefuServerOptions options, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, readiness, options) is { } refused)
            return refused;
        return await TrackerOf(id, includeEvents, chat, ct);
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> AddMessage(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, HttpRequest request, IChatService chat,
        ServerReadiness readiness, KefuServerOptions options, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, readiness, options) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<ConversationMessageRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.MessageText(body!.Text, "text", options.Limits) is { } badText)
            return Problems.BadRequest(badText);
        if (body.Sender is "user" or "agent" && await ConversationSize.CheckAsync(request.HttpContext, id, options.Limits) is { } full)
            return full;

        switch (body.Sender)
        {
            case "user":
                NluParse? parse = null;
                if (body.ParseData is { } parseData)
                {
                    (parse, var badParse) = ParseDataReader.Read(parseData, body.Text!);
                    if (badParse is not null)
                        return Problems.BadRequest(badParse);
                }
                await chat.RecordUserMessageAsync(id, body.Text!, parse, CancellationToken.None);
                break;
            case "agent":
                if (body.ParseData is not null)
                    return Problems.BadRequest("parse_data is only for sender \"user\"");
                if (InputRules.ConversationId(body.Agent, "agent", options.Limits) is { } badAgent)
                    return Problems.BadRequest(badAgent);
                await chat.AgentMessageAsync(id, body.Agent!, body.Text!, CancellationToken.None);
                break;
            default:
                return Problems.BadRequest(body.Sender is null
                    ? "sender is required: \"user\" or \"agent\""
                    : $"sender is \"{body.Sender}\"; expected \"user\" or \"agent\"");
        }
        return await TrackerOf(id, includeEvents, chat, ct);
    }

    private static async Task<Results<TrackerStream, ProblemHttpResult>> HandBack(
        string id, [FromQuery(Name = "include_events")] string? includeEvents, IChatService chat, ServerReadiness readiness,
        KefuServerOptions options, CancellationToken ct)
    {
        if (Refuse(id, includeEvents, readiness, options) is { } refused)
            return refused;
        await chat.HandBackAsync(id, CancellationToken.None);
        return await TrackerOf(id, includeEvents, chat, ct);
    }

    /// <summary>The tracker, streamed: its state now and its events from the store (see <see cref="TrackerStream"/>).</summary>
    private static async Task<TrackerStream> TrackerOf(string id, string? includeEvents, IChatService chat, CancellationToken ct) =>
        new(id, await chat.GetTrackerHeadAsync(id, ct), TrackerStream.ParseVerbosity(includeEvents).Verbosity!.Value);

    /// <summary>What every /conversations/{id} route checks first: readiness, the id, include_events.</summary>
    internal static ProblemHttpResult? Refuse(string id, string? includeEvents, ServerReadiness readiness, KefuServerOptions options)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (InputRules.ConversationId(id, "conversation id", options.Limits) is { } badId)
            return Problems.BadRequest(badId);
        return TrackerStream.ParseVerbosity(includeEvents).Problem is { } badVerbosity ? Problems.BadRequest(badVerbosity) : null;
    }
}
