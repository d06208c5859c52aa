using System.Text.Json;
using Kefu.Generation.Nlg;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's NLG endpoint protocol served from the project's local generator (endpoints.yml `nlg: {model: ...}`,
/// docs/generation.md "In a bot"): a template response rewritten in the conversation's context, with guardrails.
/// </summary>
public static class NlgRoutes
{
    public static RouteGroupBuilder MapNlg(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/nlg").WithTags("NLG").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("", Generate).Accepts<JsonElement>("application/json")
            .WithSummary("{response, arguments, tracker, channel} → {text, buttons, image, custom, ...} (Rasa's NLG protocol)");
        return group;
    }

    static async Task<Results<Ok<NlgResponse>, ProblemHttpResult>> Generate(HttpRequest request, LoadedLater<RasaNlgServer> access, ServerReadiness readiness)
    {
        if (!access.Loaded) return Problems.NotReady(readiness);
        if (access.Value is not { } server)
            return TypedResults.Problem("this project's endpoints.yml names no local generator (nlg: {model: ...})", statusCode: StatusCodes.Status404NotFound, title: "No NLG generator");
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Problems.BadRequest($"the body is not JSON: {e.Message}");
        }
        try
        {
            // generation is CPU work of up to a few seconds: off the request thread
            var reply = await Task.Run(() => server.Respond(body), request.HttpContext.RequestAborted);
            return TypedResults.Ok(new NlgResponse(reply.Text, [.. reply.Buttons.Select(b => new RestChannelButton(b.Title, b.Payload))], reply.Image,
                reply.Custom, [], [], reply.Outcome, reply.MeanLogProbability));
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }
}
