using Kefu.Dialogue;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>The loaded model: NLU parse of a text, without touching any conversation.</summary>
public static class ModelRoutes
{
    public static RouteGroupBuilder MapModel(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/model").WithTags("Model").RequireToken(token);
        group.MapPost("/parse", Parse)
            .Accepts<ParseRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Intent, ranking and entities of a text");
        return group;
    }

    private static async Task<Results<Ok<ParseResponse>, ProblemHttpResult>> Parse(
        HttpRequest request, IChatService chat, ServerReadiness readiness, KefuServerOptions options, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        var (body, problem) = await JsonBody.ReadAsync<ParseRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.MessageText(body!.Text, "text", options.Limits) is { } badText)
            return Problems.BadRequest(badText);
        if (body.ReferenceTime is null)
            return TypedResults.Ok(ParseResponse.From(chat.Parse(body.Text!)));
        if (!ReferenceTime.TryParse(body.ReferenceTime, out var referenceTime, out var badTime))
            return Problems.BadRequest($"reference_time: {badTime}");
        return TypedResults.Ok(ParseResponse.From(chat.Parse(body.Text!, referenceTime)));
    }
}
