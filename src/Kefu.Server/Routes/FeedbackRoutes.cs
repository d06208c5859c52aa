using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Observability;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// Customer feedback (docs/feedback.md): thumbs up/down on a bot message and 1–5 stars for the conversation, stored as
/// "feedback" and "rating" events through the engine, under the conversation's lock. Authorised as the messages route is:
/// a web chat's conversation answers to its session's cookie (or the token), any other to the token when one is set.
/// </summary>
public static class FeedbackRoutes
{
    /// <summary>Characters a rating's comment may hold: a short remark, not a second conversation.</summary>
    public const int MaxCommentCharacters = 500;

    public static RouteGroupBuilder MapFeedback(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks/rest/conversations/{sender}").WithTags("Channels")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/feedback", Thumbs)
            .Accepts<FeedbackRequest>("application/json")
            .WithSummary("Thumbs up or down on the bot message at event `index` (the messages route's index); a repeated vote stores nothing");
        group.MapPost("/rating", Rating)
            .Accepts<RatingRequest>("application/json")
            .WithSummary("1 to 5 stars for the conversation, with an optional comment; a repeated rating stores nothing");
        return group;
    }

    private static async Task<Results<Ok<FeedbackResponse>, ProblemHttpResult>> Thumbs(
        string sender, HttpRequest request, IChatService chat, ServerReadiness readiness, KefuServerOptions options,
        ConversationSessions sessions, CancellationToken ct)
    {
        if (await RefuseAsync(sender, request.HttpContext, readiness, options, sessions) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<FeedbackRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (body!.Index is not ({ } index and >= 0))
            return Problems.BadRequest(body.Index is null
                ? "index is required: the event index of the bot message, as the messages route gives it"
                : $"index is {body.Index}; expected a whole number from 0");
        if (body.Value is not ("up" or "down"))
            return Problems.BadRequest(body.Value is null ? "value is required: \"up\" or \"down\"" : $"value is \"{body.Value}\"; expected \"up\" or \"down\"");
        if (await ConversationSize.CheckAsync(request.HttpContext, sender, options.Limits) is { } full)
            return full;

        // Stored whole or not at all even if the client hangs up, as a turn is.
        var outcome = await chat.RecordFeedbackAsync(sender, new MessageFeedback(index, body.Value == "up"), CancellationToken.None);
        if (Refusal(outcome, sender, $"event {index}") is { } failed)
            return failed;
        if (outcome == FeedbackOutcome.Stored)
            KefuMetrics.FeedbackThumbs.Add(1, new KeyValuePair<string, object?>("value", body.Value));
        return TypedResults.Ok(new FeedbackResponse(sender, index, body.Value, outcome == FeedbackOutcome.Stored));
    }

    private static async Task<Results<Ok<RatingResponse>, ProblemHttpResult>> Rating(
        string sender, HttpRequest request, IChatService chat, ServerReadiness readiness, KefuServerOptions options,
        ConversationSessions sessions, CancellationToken ct)
    {
        if (await RefuseAsync(sender, request.HttpContext, readiness, options, sessions) is { } refused)
            return refused;
        var (body, problem) = await JsonBody.ReadAsync<RatingRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (body!.Stars is not ({ } stars and >= 1 and <= 5))
            return Problems.BadRequest(body.Stars is null ? "stars is required: a whole number from 1 to 5" : $"stars is {body.Stars}; expected a whole number from 1 to 5");
        var comment = string.IsNullOrWhiteSpace(body.Comment) ? null : body.Comment.Trim();
        if (comment is not null && comment.EnumerateRunes().Count() > MaxCommentCharacters)
            return Problems.BadRequest($"comment is {comment.EnumerateRunes().Count()} characters long; the limit is {MaxCommentCharacters}");
        if (await ConversationSize.CheckAsync(request.HttpContext, sender, options.Limits) is { } full)
            return full;

        var outcome = await chat.RecordFeedbackAsync(sender, new ConversationRated(stars, comment), CancellationToken.None);
        if (Refusal(outcome, sender, "") is { } failed)
            return failed;
        if (outcome == FeedbackOutcome.Stored)
            KefuMetrics.FeedbackRatings.Add(1, new KeyValuePair<string, object?>("stars", StarTags[stars]));
        return TypedResults.Ok(new RatingResponse(sender, stars, comment, outcome == FeedbackOutcome.Stored));
    }

    private static readonly string[] StarTags = ["0", "1", "2", "3", "4", "5"];

    private static async ValueTask<ProblemHttpResult?> RefuseAsync(string sender, HttpContext context, ServerReadiness readiness, KefuServerOptions options,
        ConversationSessions sessions)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (InputRules.ConversationId(sender, "sender", options.Limits) is { } badSender)
            return Problems.BadRequest(badSender);
        return await sessions.RefuseReadAsync(context, sender);
    }

    private static ProblemHttpResult? Refusal(FeedbackOutcome outcome, string sender, string message) => outcome switch
    {
        FeedbackOutcome.UnknownConversation => TypedResults.Problem(
            $"conversation \"{sender}\" has no events: feedback is for a conversation that has started",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown conversation"),
        FeedbackOutcome.UnknownMessage => TypedResults.Problem(
            $"conversation \"{sender}\" has no {message}: index is the event index of a bot message, as the messages route gives it",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown message"),
        FeedbackOutcome.NotBotMessage => Problems.BadRequest(
            $"{message} of conversation \"{sender}\" is not a bot message: only the bot's messages take thumbs up or down"),
        _ => null,
    };
}
