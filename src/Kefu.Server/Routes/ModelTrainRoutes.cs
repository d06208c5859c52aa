using Kefu.Projects;
using Kefu.Server.Http;
using Kefu.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's POST /model/train: a model trained from one posted YAML document holding the whole project (config,
/// domain, nlu, stories, rules keys: rasa/server.py _training_payload_from_yaml gives the same file as domain, config
/// and training data), answered with the model archive. One training at a time, off the request thread; the served
/// model is not changed (PUT /model loads one).
/// </summary>
public static class ModelTrainRoutes
{
    public static RouteHandlerBuilder MapModelTrain(this IEndpointRouteBuilder app, string? token)
    {
        // One per server, not static: every server (and test host) has its own.
        var slot = new SemaphoreSlim(1, 1);
        return app.MapPost("/model/train", (HttpRequest request, ILoggerFactory logs, CancellationToken ct) => Train(request, slot, logs, ct))
            .WithTags("Model").RequireToken(token)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Trains a model from a posted Rasa YAML project (config, domain, nlu, stories, rules in one document); answers the model archive")
            .WithDescription("""
                Content-Type application/x-yml (or application/yaml, text/yaml), within the request body limit. The answer
                is the .kefu archive (application/octet-stream, Content-Disposition and Rasa's "filename" header). One
                training at a time: another is a 409. The model is not saved on the server and not loaded: PUT /model
                loads one. Rasa's force_training is accepted (Kefu always trains); save_to_default_model_directory=true
                and callback_url are a 400.
                """);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Train(HttpRequest request, SemaphoreSlim slot,
        ILoggerFactory logs, CancellationToken ct)
    {
        if (request.Query.ContainsKey("callback_url"))
            return Problems.BadRequest("callback_url is not supported: the model is the answer to this request");
        if (request.Query.TryGetValue("save_to_default_model_directory", out var save) && !string.Equals(save, "false", StringComparison.OrdinalIgnoreCase))
            return Problems.BadRequest("save_to_default_model_directory: Kefu does not save a model trained here on the server; pass false or leave it out, and keep the archive it answers");
        var (text, yaml, problem) = await TextBody.ReadAsync(request, ct);
        if (problem is not null)
            return problem;
        if (!yaml)
            return TypedResults.Problem("the project must be posted as YAML: Content-Type application/x-yml (or application/yaml, text/yaml)",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");
        if (!slot.Wait(0))
            return TypedResults.Problem("a model is being trained already; one training runs at a time: retry when it is done",
                statusCode: StatusCodes.Status409Conflict, title: "Training in progress");
        try
        {
            // The training goes on if the client leaves: its CPU is spent either way, and the slot is freed when it ends.
            var (model, bad) = await Task.Run(() => TrainProject(text!, logs.CreateLogger(typeof(ModelTrainRoutes))), CancellationToken.None);
            if (bad is not null)
                return Problems.BadRequest(bad);
            var name = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}.kefu";
            request.HttpContext.Response.Headers["filename"] = name;
            return TypedResults.File(model!, "application/octet-stream", name);
        }
        finally
        {
            slot.Release();
        }
    }

    /// <summary>
    /// The document written as domain.yml, config.yml and data/project.yml of a fresh project folder, as Rasa hands the
    /// one file to each reader; each reads its keys (their warnings about the others' keys are left out of the answer).
    /// </summary>
    private static (byte[]? Model, string? Problem) TrainProject(string yaml, ILogger log)
    {
        var directory = Directory.CreateTempSubdirectory("kefu-train-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "domain.yml"), yaml);
            File.WriteAllText(Path.Combine(directory.FullName, "config.yml"), yaml);
            Directory.CreateDirectory(Path.Combine(directory.FullName, "data"));
            File.WriteAllText(Path.Combine(directory.FullName, "data", "project.yml"), yaml);
            var project = RasaProject.Read(directory.FullName);
            var errors = project.Diagnostics.Where(d => d.Severity == Severity.Error).Take(5)
                .Select(d => $"{Path.GetFileName(d.Location.File)} line {d.Location.Line}, column {d.Location.Column}: {d.Message}").ToList();
            if (errors.Count > 0)
                return (null, "the project cannot be trained: " + string.Join("; ", errors));
            if (ServerPaths(project.Config) is { Count: > 0 } named)
                return (null, "the project cannot be trained here: " + string.Join("; ", named));
            var path = Path.Combine(directory.FullName, "model.kefu");
            var result = ProjectTrainer.Train(project, path);
            log.LogInformation("POST /model/train: trained {Intents} intents in {Seconds:F1} s", result.Nlu.Intents.Labels.Count, result.Elapsed.TotalSeconds);
            return (File.ReadAllBytes(path), null);
        }
        catch (ProjectException e)
        {
            return (null, "the project cannot be trained: " + string.Join("; ", e.Diagnostics.Take(5).Select(d => d.Message)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The config options that name a file or folder: a posted project has no folder of its own, so each would be read
    /// from the server's disk, with the server's rights, and what is read goes into the archive answered
    /// (JiebaTokenizer's dictionary_path words are stored with the model: dictionary_path /etc/passwd would answer its
    /// lines). Hugging Face ids stay allowed, as in Rasa: they name no file here. `kefu train` reads a project's own files.
    /// </summary>
    private static List<string> ServerPaths(ProjectConfig config)
    {
        static string At(ComponentOption option) =>
            $"{Path.GetFileName(option.Location.File)} line {option.Location.Line}, column {option.Location.Column}";
        var named = new List<string>();
        foreach (var component in config.Pipeline)
        {
            if (component.Name == "JiebaTokenizer" && component.Options.Find("dictionary_path") is { } dictionary)
                named.Add($"{At(dictionary)}: JiebaTokenizer dictionary_path would read a file on the server; a project posted " +
                    "here may name none (train a project with user dictionaries with kefu train)");
            var model = component.Name switch
            {
                LanguageModelFeaturizerConfig.ComponentName => component.Options.Find("model_weights"),
                TransformerClassifierConfig.ComponentName => component.Options.Find("model"),
                _ => null,
            };
            if (model is { Value.ValueKind: System.Text.Json.JsonValueKind.String } && model.Value.GetString() is { } name && IsLocalPath(name))
                named.Add($"{At(model)}: {component.Name} {model.Key} '{name}' is a folder on the server; a project posted here " +
                    "may name a Hugging Face model id only");
        }
        return named;
    }

    /// <summary>What ModelLocator would load from the disk rather than the hub: an existing folder or file, or a path's form.</summary>
    private static bool IsLocalPath(string name) =>
        Path.IsPathRooted(name) || name.StartsWith('~') || name.StartsWith('.') || name.Contains('\\')
        || Directory.Exists(name) || File.Exists(name);
}
