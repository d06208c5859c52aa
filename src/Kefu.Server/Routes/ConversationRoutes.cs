using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>Conversations as Rasa's HTTP API shows them: the tracker, added messages, and the handoff's hand-back.</summary>
public static class ConversationRoutes
{
    public static RouteGroupBuilder MapConversations(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/conversations/{id}").WithTags("Conversations").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/tracker", Tracker).WithSummary("The conversation in Rasa's tracker shape");
        group.MapPost("/messages", AddMessage)
            // Any content type: like Rasa, the body is read as JSON whatever the header says (curl -d sends form-urlencoded).
            .Accepts<ConversationMessageRequest>("application/json", "*/*")
            .WithSummary("A user message (runs a turn) or a human agent's message; returns the tracker");
        group.MapPost("/handback", HandBack).WithSummary("Ends a handoff: the bot takes the conversation back; returns the tracker");
        return group;
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> Tracker(
        string id, IChatService chat, ServerReadiness readiness, CancellationToken ct)
    {
        if (Refuse(id, readiness) is { } refused)
            return refused;
        return TypedResults.Ok(await chat.GetTrackerAsync(id, ct));
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> AddMessage(
        string id, HttpRequest request, IChatService chat, ServerReadiness readiness, CancellationToken ct)
    {
        if (Refuse(id, readiness) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<ConversationMessageRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.MessageText(body!.Text, "text") is { } badText)
            return Problems.BadRequest(badText);

        switch (body.Sender)
        {
            case "user":
                await chat.HandleMessageAsync(id, body.Text!, metadata: null, CancellationToken.None);
                break;
            case "agent":
                if (InputRules.ConversationId(body.Agent, "agent") is { } badAgent)
                    return Problems.BadRequest(badAgent);
                await chat.AgentMessageAsync(id, body.Agent!, body.Text!, CancellationToken.None);
                break;
            default:
                return Problems.BadRequest(body.Sender is null
                    ? "sender is required: \"user\" or \"agent\""
                    : $"sender is \"{body.Sender}\"; expected \"user\" or \"agent\"");
        }
        return TypedResults.Ok(await chat.GetTrackerAsync(id, ct));
    }

    private static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> HandBack(
        string id, IChatService chat, ServerReadiness readiness, CancellationToken ct)
    {
        if (Refuse(id, readiness) is { } refused)
            return refused;
        await chat.HandBackAsync(id, CancellationToken.None);
        return TypedResults.Ok(await chat.GetTrackerAsync(id, ct));
    }

    private static ProblemHttpResult? Refuse(string id, ServerReadiness readiness)
    {
        if (!readiness.IsReady)
            return Problems.NotReady();
        return InputRules.ConversationId(id, "conversation id") is { } badId ? Problems.BadRequest(badId) : null;
    }
}
