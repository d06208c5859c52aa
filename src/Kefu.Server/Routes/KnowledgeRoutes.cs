using Kefu.Knowledge;
using Kefu.Knowledge.Graph;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>The knowledge base and graph of the project's knowledge.yml (docs/knowledge.md): search, entities, queries, questions.</summary>
public static class KnowledgeRoutes
{
    public const int MaxK = 50;   // passages or entities one query may ask for (kefu kb query --k too)

    public static RouteGroupBuilder MapKnowledge(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/kb").WithTags("Knowledge").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/search", Search).WithSummary("FAQ entries and document passages for a query (?q=TEXT&k=5)");
        group.MapGet("/entities/{id}", Entity).WithSummary("One graph entity by id (景点:故宫)");
        group.MapGet("/entities", Entities).WithSummary("Graph entities by name (?name=故宫), or by query (?q=餐馆 评分>=4.5 人均消费<=100)");
        group.MapPost("/ask", Ask).Accepts<KbAskRequest>("application/json").WithSummary("A question answered from the graph, as action_kb_query answers it");
        return group;
    }

    static ProblemHttpResult? Unavailable(LoadedLater<KnowledgeService> access, ServerReadiness readiness, bool needsGraph)
    {
        if (!access.Loaded) return Problems.NotReady(readiness);
        if (access.Value is null) return TypedResults.Problem("this project has no knowledge.yml", statusCode: StatusCodes.Status404NotFound, title: "No knowledge base");
        if (needsGraph && access.Value.Graph is null)
            return TypedResults.Problem("this project's knowledge.yml has no graph", statusCode: StatusCodes.Status404NotFound, title: "No knowledge graph");
        return null;
    }

    /// <summary>A chat message may be blank; a question to the knowledge base may not (it would match nothing).</summary>
    static string? Question(string? text, string field, KefuServerOptions options) =>
        InputRules.MessageText(text, field, options.Limits) ?? (string.IsNullOrWhiteSpace(text) ? $"{field} is blank; ask something" : null);

    // read as text, not bound as int?: the framework's own 400 for k=abc says nothing of which parameter was wrong
    static int? Count(string? text, int absent) =>
        text is null ? absent : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= MaxK ? n : null;

    static Results<Ok<KbSearchResponse>, ProblemHttpResult> Search(string? q, string? k, LoadedLater<KnowledgeService> access, ServerReadiness readiness, KefuServerOptions options)
    {
        if (Unavailable(access, readiness, false) is { } problem) return problem;
        if (Question(q, "q", options) is { } bad) return Problems.BadRequest(bad);
        if (Count(k, 5) is not { } count) return Problems.BadRequest($"k must be a whole number from 1 to {MaxK}, got '{k}'");
        var kb = access.Value!.Kb;
        return TypedResults.Ok(new KbSearchResponse(q!, kb.Threshold, kb.Search(q!, count).Select(KbPassageDto.From).ToList()));
    }

    static Results<Ok<KbEntityDto>, ProblemHttpResult> Entity(string id, LoadedLater<KnowledgeService> access, ServerReadiness readiness)
    {
        if (Unavailable(access, readiness, true) is { } problem) return problem;
        return access.Value!.Graph!.Get(id) is { } e
            ? TypedResults.Ok(KbEntityDto.From(e))
            : TypedResults.Problem($"no entity '{id}' (ids are TYPE:NAME, e.g. 景点:故宫)", statusCode: StatusCodes.Status404NotFound, title: "Unknown entity");
    }

    static Results<Ok<KbEntitiesResponse>, ProblemHttpResult> Entities(string? name, string? q, string? limit, LoadedLater<KnowledgeService> access, ServerReadiness readiness)
    {
        if (Unavailable(access, readiness, true) is { } problem) return problem;
        var graph = access.Value!.Graph!;
        if (Count(limit, 10) is not { } most) return Problems.BadRequest($"limit must be a whole number from 1 to {MaxK}, got '{limit}'");
        if (name is { Length: > 0 }) return TypedResults.Ok(new KbEntitiesResponse(graph.FindByName(name).Select(KbEntityDto.From).ToList()));
        if (q is not { Length: > 0 }) return Problems.BadRequest("give name=NAME or q=QUERY (docs/knowledge.md, \"Graph queries\")");
        try
        {
            var query = GraphQueryText.Parse(q) with { Limit = most };
            return TypedResults.Ok(new KbEntitiesResponse(graph.Query(query).Select(KbEntityDto.From).ToList()));
        }
        catch (GraphQueryException e) { return Problems.BadRequest(e.Message); }
    }

    static async Task<Results<Ok<KbAskResponse>, ProblemHttpResult>> Ask(HttpRequest request, LoadedLater<KnowledgeService> access, ServerReadiness readiness,
        KefuServerOptions options, CancellationToken ct)
    {
        if (Unavailable(access, readiness, true) is { } problem) return problem;
        var (body, bad) = await JsonBody.ReadAsync<KbAskRequest>(request, ct);
        if (bad is not null) return bad;
        if (Question(body!.Text, "text", options) is { } badText) return Problems.BadRequest(badText);
        var answer = access.Value!.Answerer!.Answer(body.Text!, body.Subject, body.Attribute);
        return TypedResults.Ok(new KbAskResponse(answer.Text, answer.Answered, answer.Subject, answer.Attribute, answer.Results.Select(KbEntityDto.From).ToList()));
    }
}
