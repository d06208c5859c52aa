using System.Globalization;
using System.Security.Claims;
using Kefu.Data;
using Kefu.Dialogue;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Agents;

public sealed record CorrectionsPage(IReadOnlyList<InboxItem> Items, int Total, int Offset, int Limit, double Threshold, IReadOnlyList<string> Intents);

/// <summary>Decision: confirm, correct (Intent required, Entities optional) or dismiss; Override replaces a stored decision.</summary>
public sealed record DecisionRequest(string? ConversationId, int? Index, string? Decision, string? Intent, IReadOnlyList<InboxEntity>? Entities, bool Override = false);

/// <summary>
/// The correction inbox under /console/api/corrections (docs/agents.md, "Correction inbox"), for trainers and admins:
/// GET the items (<see cref="CorrectionInbox"/>), POST a decision, POST an export to data/corrections.yml.
/// </summary>
public static class CorrectionRoutes
{
    public const int MaxLimit = 200;

    public static void Map(RouteGroupBuilder api)
    {
        var train = api.MapGroup("/corrections")
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(AgentConsole.Scheme).RequireRole("trainer", "admin"))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        train.MapGet("", Inbox).WithSummary("Messages the bot was unsure of, with context and decisions (status=open|decided|all, offset, limit, threshold)");
        train.MapPost("/decisions", Decide)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Confirms, corrects (intent, entities) or dismisses an inbox item; 409 when decided unless override is true");
        train.MapPost("/export", Export).WithSummary("Writes the confirmed and corrected examples to data/corrections.yml; reports duplicates and conflicts");
    }

    private static async Task<Results<Ok<CorrectionsPage>, ProblemHttpResult>> Inbox(HttpRequest request, IEventStore store,
        CorrectionDecisions decisions, IChatService chat, ServerReadiness readiness, KefuServerOptions options, CancellationToken ct)
    {
        var query = request.Query;
        var status = query["status"].ToString() is { Length: > 0 } s ? s : "open";
        if (status is not ("open" or "decided" or "all"))
            return Problems.BadRequest($"status is \"{status}\"; expected open, decided or all");
        if (Number(query["offset"], 0, 0, int.MaxValue, "offset", out var offset) is { } badOffset)
            return badOffset;
        if (Number(query["limit"], 50, 1, MaxLimit, "limit", out var limit) is { } badLimit)
            return badLimit;
        var threshold = CorrectionInbox.DefaultThreshold;
        if (query["threshold"].ToString() is { Length: > 0 } t
            && !(double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) && threshold is >= 0 and <= 1))
            return Problems.BadRequest($"threshold is \"{t}\"; expected a number from 0 to 1");

        var decided = decisions.All();
        var items = new List<InboxItem>();
        foreach (var id in (await store.ListConversationsAsync(ct)).Order(StringComparer.Ordinal))
            items.AddRange(CorrectionInbox.Scan(id, await store.LoadAsync(id, ct), threshold, decided)
                .Where(i => status == "all" || (status == "open") == (i.Decision is null)));
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var intents = DomainOf(chat, readiness, options).Intents.Select(i => i.Name).ToList();
        var known = CorrectionsYaml.ProjectExamples(options.ProjectDirectory).Examples.ToLookup(e => e.Text.Trim(), e => e.Intent, StringComparer.Ordinal);
        var page = items.Skip(offset).Take(limit).Select(i => i with { InProject = known[i.Text.Trim()].Distinct().ToList() }).ToList();
        return TypedResults.Ok(new CorrectionsPage(page, items.Count, offset, limit, threshold, intents));
    }

    private static async Task<Results<Ok<CorrectionDecision>, ProblemHttpResult>> Decide(HttpRequest request, ClaimsPrincipal user,
        IEventStore store, CorrectionDecisions decisions, IChatService chat, ServerReadiness readiness, KefuServerOptions options, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<DecisionRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (InputRules.ConversationId(body!.ConversationId, "conversation_id", options.Limits) is { } badId)
            return Problems.BadRequest(badId);
        if (body.Index is not { } index)
            return Problems.BadRequest("index is required: the user message's event index (an inbox item's index)");
        if (body.Decision is not ("confirm" or "correct" or "dismiss"))
            return Problems.BadRequest($"decision is \"{body.Decision}\"; expected confirm, correct or dismiss");
        var id = body.ConversationId!;
        if (CorrectionInbox.Message(id, await store.LoadAsync(id, ct), index) is not { } message)
            return TypedResults.Problem($"conversation \"{id}\" has no user message at index {index}",
                statusCode: StatusCodes.Status404NotFound, title: "No such message");

        string? intent = null;
        IReadOnlyList<InboxEntity> entities = [];
        if (body.Decision == "confirm")
        {
            if (message.Intent is null)
                return Problems.BadRequest($"the message at index {index} has no predicted intent to confirm; correct it instead");
            // Duckling's entities come from rules, not from the examples: they are left out of the training data.
            (intent, entities) = (message.Intent, message.Entities
                .Where(e => e.Start is not null && e.End is not null && e.Extractor != "DucklingEntityExtractor").ToList());
        }
        else if (body.Decision == "correct")
        {
            var domain = DomainOf(chat, readiness, options);
            if (string.IsNullOrEmpty(body.Intent))
                return Problems.BadRequest("intent is required to correct a message");
            if (domain.FindIntent(body.Intent) is null)
                return Problems.BadRequest($"intent \"{body.Intent}\" is not in the domain; its intents are: {string.Join(", ", domain.Intents.Select(i => i.Name))}");
            var (placed, badEntity) = Place(body.Entities ?? [], message.Text, domain);
            if (badEntity is not null)
                return Problems.BadRequest(badEntity);
            (intent, entities) = (body.Intent, placed);
        }
        var decision = new CorrectionDecision(body.Decision, intent, entities, user.Identity!.Name!, DateTimeOffset.UtcNow);
        if (!decisions.Decide(id, index, decision, body.Override))
            return TypedResults.Problem($"the message at index {index} of conversation \"{id}\" is already decided; send override: true to replace the decision",
                statusCode: StatusCodes.Status409Conflict, title: "Already decided");
        Kefu.Observability.KefuMetrics.Corrections.Add(1, new KeyValuePair<string, object?>("decision", body.Decision switch
        {
            "confirm" => "confirmed",
            "correct" => "corrected",
            _ => "dismissed",
        }));
        return TypedResults.Ok(decision);
    }

    private static async Task<Results<Ok<ExportResponse>, ProblemHttpResult>> Export(IEventStore store, CorrectionDecisions decisions,
        KefuServerOptions options, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await CorrectionExport.WriteAsync(store, decisions.All(), options.ProjectDirectory, ct));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return TypedResults.Problem($"cannot write {Path.Combine(options.ProjectDirectory, CorrectionsYaml.RelativePath)}: {e.Message}",
                statusCode: StatusCodes.Status500InternalServerError, title: "Export failed");
        }
    }

    /// <summary>The trainer's entities with their spans: Start/End given must hold Value (empty Value: the span's text); without them Value is found in the text.</summary>
    private static (List<InboxEntity>, string?) Place(IReadOnlyList<InboxEntity> entities, string text, Domain domain)
    {
        var placed = new List<InboxEntity>();
        foreach (var e in entities)
        {
            if (string.IsNullOrEmpty(e?.Entity))
                return (placed, "each entity needs entity: its name in the domain");
            if (domain.FindEntity(e.Entity) is null)
                return (placed, $"entity \"{e.Entity}\" is not in the domain; its entities are: {string.Join(", ", domain.Entities.Select(x => x.Name))}");
            if (e.Start is { } start && e.End is { } end)
            {
                if (start < 0 || end > text.Length || start >= end)
                    return (placed, $"entity \"{e.Entity}\" spans [{start}, {end}), outside the message's {text.Length} characters");
                if (!string.IsNullOrEmpty(e.Value) && e.Value != text[start..end])
                    return (placed, $"entity \"{e.Entity}\" has value \"{e.Value}\" but spans \"{text[start..end]}\"");
                placed.Add(e with { Value = text[start..end], Extractor = null });
            }
            else
            {
                var at = string.IsNullOrEmpty(e.Value) ? -1 : text.IndexOf(e.Value, StringComparison.Ordinal);
                if (at < 0)
                    return (placed, $"entity \"{e.Entity}\" has value \"{e.Value}\", which is not in the message; give start and end");
                placed.Add(e with { Start = at, End = at + e.Value.Length, Extractor = null });
            }
        }
        return (placed, null);
    }

    /// <summary>
    /// The loaded model's domain when a model is loaded and its engine exposes one (asking earlier would wait for the
    /// first load), else the project's domain.yml as it is now.
    /// </summary>
    private static Domain DomainOf(IChatService chat, ServerReadiness readiness, KefuServerOptions options)
    {
        if (readiness.IsReady && chat is IConversationControl control)
        {
            try
            {
                return control.Domain;
            }
            catch (NotSupportedException) // an engine behind the switch without Rasa's conversation API
            {
            }
        }
        return RasaProject.Read(options.ProjectDirectory).Domain;
    }

    private static ProblemHttpResult? Number(string? text, int fallback, int min, int max, string name, out int value)
    {
        value = fallback;
        if (string.IsNullOrEmpty(text))
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max
            ? null : Problems.BadRequest($"{name} is \"{text}\"; expected a whole number from {min} to {max}");
    }
}
