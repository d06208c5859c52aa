using System.Reflection;
using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Kefu.Server.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>What operators and orchestrators poll: status, version, liveness, readiness, Prometheus metrics.</summary>
public static class OperationsRoutes
{
    private static readonly string Version =
        typeof(OperationsRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OperationsRoutes).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app, string? token)
    {
        var open = app.MapGroup("").WithTags("Operations");
        open.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok")))
            .WithSummary("Liveness: the process answers");
        open.MapGet("/version", () => TypedResults.Ok(new VersionResponse(Version, Kefu.Models.ModelManifest.CurrentFormatVersion)))
            .WithSummary("The server's version and the newest model format it loads (Rasa's GET /version)");
        open.MapGet("/readyz", Ready)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Readiness: the model is loaded and messages are taken");

        var guarded = app.MapGroup("").WithTags("Operations").RequireToken(token)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        guarded.MapGet("/status", Status).WithSummary("The loaded model and the server's version");
        guarded.MapGet("/metrics", (PrometheusExporter exporter) => TypedResults.Text(exporter.Write(), PrometheusExporter.ContentType))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Prometheus text exposition format 0.0.4");
        return app;
    }

    private static Results<Ok<HealthResponse>, ProblemHttpResult> Ready(ServerReadiness readiness) =>
        readiness.Model is { } model && readiness.IsReady ? TypedResults.Ok(new HealthResponse("ready", model.ModelId)) : Problems.NotReady(readiness);

    private static Ok<StatusResponse> Status(ServerReadiness readiness)
    {
        var model = readiness.Model;
        return TypedResults.Ok(new StatusResponse(model?.ModelFile, model?.ModelId, model?.TrainedAt, Version, model is not null));
    }
}
