using Kefu.Dialogue;
using Kefu.Experiments;
using Kefu.Models;
using Kefu.Server.Agents;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Experiments;

public sealed record ExperimentArmView(string Arm, string Version, double Weight);

public sealed record ExperimentView(string Name, bool Running, DateTimeOffset Started, DateTimeOffset? Stopped, string? Promoted,
    IReadOnlyList<ExperimentArmView> Arms);

/// <summary>
/// The experiment page's data: the running (else last) experiment, its report as `kefu ab report --json` gives it (null
/// with <see cref="Problem"/> saying why while there is nothing to compare), the arm the report says to promote, and
/// whether the caller may promote.
/// </summary>
public sealed record ExperimentPage(ExperimentView? Experiment, IReadOnlyDictionary<string, object?>? Report, string? Problem, string? Winner, bool CanPromote);

public sealed record PromoteRequest(string? Arm);

public sealed record PromoteResponse(string Experiment, string Arm, string Version, string? Before);

/// <summary>
/// The live A/B experiment in the agent console (docs/experiments.md, "In the console"): GET /console/api/experiment for
/// trainers and admins, POST /console/api/experiment/promote for admins only.
/// </summary>
public static class ExperimentRoutes
{
    const string Admin = "admin";

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiment")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("", Page)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(AgentConsole.Scheme).RequireRole("trainer", Admin))
            .WithSummary("The running (else last) A/B experiment with per-arm figures, intervals, p-values and verdicts");
        group.MapPost("/promote", Promote)
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(AgentConsole.Scheme).RequireRole(Admin))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Promotes the winning arm's version (or the arm named) through the model registry and stops the experiment");
    }

    static async Task<Results<Ok<ExperimentPage>, ProblemHttpResult>> Page(HttpContext context, IEventStore store, KefuServerOptions options,
        CancellationToken ct)
    {
        context.Response.Headers.CacheControl = "no-store";
        LiveExperiment? experiment;
        try
        {
            experiment = LiveExperiments.Read(ModelRegistry.ModelsDirectory(options.ProjectDirectory)).Current;
        }
        catch (ExperimentException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status500InternalServerError, title: "experiments.json is damaged");
        }
        bool admin = context.User.IsInRole(Admin);
        if (experiment is null)
            return TypedResults.Ok(new ExperimentPage(null, null, "no experiment has been started (kefu ab start --b VERSION begins one)", null, false));
        var view = new ExperimentView(experiment.Name, experiment.Running, experiment.Started, experiment.Stopped, experiment.Promoted,
            experiment.Arms.Select(a => new ExperimentArmView(a.Name, a.Version, a.Weight)).ToList());
        try
        {
            var report = StoredOutcomes.Report(experiment, await StoredOutcomes.ReadAsync(store, experiment.Name, ct));
            return TypedResults.Ok(new ExperimentPage(view, AbReportJson.Of(report), null, LiveExperiments.Winner(report, LiveExperiments.B),
                admin && experiment.Running));
        }
        catch (ExperimentException e)
        {
            return TypedResults.Ok(new ExperimentPage(view, null, e.Message, null, admin && experiment.Running));
        }
    }

    static async Task<Results<Ok<PromoteResponse>, ProblemHttpResult>> Promote(HttpRequest request, IEventStore store, KefuServerOptions options,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<PromoteRequest>(request, ct);
        if (problem is not null)
            return problem;
        string models = ModelRegistry.ModelsDirectory(options.ProjectDirectory);
        try
        {
            var running = LiveExperiments.Read(models).Running;
            if (running is null)
                return Conflict("no experiment is running; there is nothing to promote");
            string? arm = body!.Arm;
            if (arm is not null && running.Arm(arm) is null)
                return Problems.BadRequest($"arm is \"{arm}\"; experiment {running.Name} has arms {string.Join(", ", running.Arms.Select(a => a.Name))}");
            if (arm is null)
            {
                var report = StoredOutcomes.Report(running, await StoredOutcomes.ReadAsync(store, running.Name, ct));
                arm = LiveExperiments.Winner(report, LiveExperiments.B);
                if (arm is null)
                    return Conflict($"experiment {running.Name} has no winner yet: no metric shows B better or worse; let it run longer, " +
                        "or promote an arm anyway by naming it (\"arm\": \"A\" or \"B\")");
            }
            using var registry = ModelRegistry.Lock(models, TimeSpan.FromSeconds(2));
            string? before = registry.Contents.Promoted;
            var (stopped, version) = LiveExperiments.Promote(registry, arm, DateTimeOffset.UtcNow);
            return TypedResults.Ok(new PromoteResponse(stopped.Name, arm, version.Id, before));
        }
        catch (Exception e) when (e is IOException or ModelArchiveException)
        {
            // a held registry lock, an experiment with no data yet, a damaged file or archive: nothing was changed
            return Conflict(e.Message);
        }
    }

    static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Cannot promote");
}
