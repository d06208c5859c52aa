using Kefu.Server.Contracts;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's PUT /model (load a model file, swapped in without dropping requests) and DELETE /model (unload: the chat routes
/// answer 503). Only files inside the project's models folder are taken: the route reads a path the caller names, and
/// anything wider would let a token holder make the server open any file it can read (docs/models.md).
/// </summary>
public static class ModelFileRoutes
{
    public static IEndpointRouteBuilder MapModelFile(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/model").WithTags("Model").RequireToken(token)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPut("", Replace)
            .Accepts<ModelFileRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Load a model archive from the project's models folder; the old one serves until it has loaded");
        group.MapDelete("", Unload)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Unload the model: the chat routes answer 503 until one is loaded");
        return app;
    }

    static async Task<Results<NoContent, ProblemHttpResult>> Replace(HttpRequest request, CancellationToken ct)
    {
        if (Reloader(request) is not { ModelsDirectory: { } models } reloader)
            return NotImplemented();
        var (body, problem) = await JsonBody.ReadAsync<ModelFileRequest>(request, ct);
        if (problem is not null)
            return problem;
        if (string.IsNullOrWhiteSpace(body!.ModelFile))
            return Problems.BadRequest("model_file: give the path of a model archive in the project's models folder");
        if (Inside(models, body.ModelFile) is not { } path)
            return Problems.BadRequest($"model_file: '{body.ModelFile}' is not a file inside {models}; the server loads models only from there");
        try
        {
            await reloader.LoadAsync(path, "PUT /model", ct);
            return TypedResults.NoContent();
        }
        catch (ModelLoadException e)
        {
            return Problems.BadRequest($"model_file: {e.Message}");
        }
    }

    static async Task<Results<NoContent, ProblemHttpResult>> Unload(HttpRequest request, CancellationToken ct)
    {
        if (Reloader(request) is not { } reloader)
            return NotImplemented();
        await reloader.UnloadAsync(ct);
        return TypedResults.NoContent();
    }

    static ModelReloader? Reloader(HttpRequest request) => request.HttpContext.RequestServices.GetService<ModelReloader>();

    static ProblemHttpResult NotImplemented() =>
        TypedResults.Problem("this server was not started with a project's models folder, so it loads no model files",
            statusCode: StatusCodes.Status501NotImplemented, title: "Not implemented");

    /// <summary>
    /// The file's full path when it (relative to the project folder, as in Rasa's models/..., or absolute) is an existing file under
    /// <paramref name="models"/>, links resolved; else null.
    /// </summary>
    static string? Inside(string models, string modelFile)
    {
        try
        {
            string root = Path.GetFullPath(models) + Path.DirectorySeparatorChar;
            string path = Path.GetFullPath(modelFile, Path.GetDirectoryName(Path.GetFullPath(models))!);
            if (!path.StartsWith(root, StringComparison.Ordinal) || !File.Exists(path)) return null;
            string real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            return real.StartsWith(root, StringComparison.Ordinal) ? path : null;
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
