using System.Text.Json;
using Kefu.Data;
using Kefu.Dialogue;
using Kefu.Dialogue.Testing;
using Kefu.Nlu;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>
/// Rasa's POST /model/test/intents: the loaded NLU evaluated on posted NLU data, in the shape of rasa.nlu.test's
/// run_evaluation(report_as_dict=True), with `kefu test nlu`'s evaluation (NluTestRun, ClassificationReport); and
/// POST /model/test/stories: the loaded policies on posted test stories, in rasa.core.test's shape, with `kefu test`'s
/// StoryTester.
/// </summary>
public static class ModelTestRoutes
{
    public static RouteGroupBuilder MapModelTests(this IEndpointRouteBuilder app, string? token)
    {
        var group = app.MapGroup("/model/test").WithTags("Model").RequireToken(token)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapPost("/intents", Intents)
            .Produces<JsonElement>(StatusCodes.Status200OK, "application/json")
            .WithSummary("Evaluates the loaded NLU on posted NLU data: Rasa nlu.yml (application/x-yml) or Rasa JSON (application/json)")
            .WithDescription("""
                Answers {"intent_evaluation": {report, accuracy, f1_score, precision, predictions, errors},
                "entity_evaluation": {EXTRACTOR: {report, accuracy, f1_score, precision, errors}} or null,
                "response_selection_evaluation": null}. Retrieval intents (faq/ask_price) are scored as their base intent, as
                Rasa scores intents; response selection is not evaluated apart. Rasa's model and cross_validation_folds query
                parameters are refused (400): the loaded model is evaluated, as `kefu test nlu --model` evaluates another.
                """);
        group.MapPost("/stories", Stories)
            .Produces<JsonElement>(StatusCodes.Status200OK, "application/json")
            .WithSummary("Evaluates the loaded dialogue policies (and NLU) on posted test stories: a Rasa tests/test_*.yml (application/x-yml)")
            .WithDescription("""
                Answers rasa.core.test's {report, precision, f1, accuracy, actions: [{action, predicted}],
                is_end_to_end_evaluation: false, conversation_accuracy: {accuracy, correct, with_warnings, total}}, with the
                evaluation `kefu test` runs: at each action of a story, the action_listen before each user turn included, the
                policies' prediction against the story's action. Rasa's e2e parameter is a 400.
                """);
        return group;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Stories(HttpRequest request, IChatService chat,
        ServerReadiness readiness, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (chat is not IConversationControl control)
            return TypedResults.Problem("this server's dialogue engine has no dialogue policies to evaluate",
                statusCode: StatusCodes.Status501NotImplemented, title: "Not implemented");
        if (request.Query.ContainsKey("e2e"))
            return Problems.BadRequest("the query parameter e2e is not supported: user texts are parsed and their intents compared, bot texts are not");
        var (text, yaml, problem) = await TextBody.ReadAsync(request, ct);
        if (problem is not null)
            return problem;
        if (!yaml)
            return TypedResults.Problem("test stories are posted as YAML: Content-Type application/x-yml (or application/yaml, text/yaml)",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");
        var (stories, diagnostics) = TestStoryFile.Parse(text!, "body");
        var errors = diagnostics.Where(d => d.Severity == Severity.Error).Take(5)
            .Select(d => $"line {d.Location.Line}, column {d.Location.Column}: {d.Message}").ToList();
        if (errors.Count > 0)
            return Problems.BadRequest("the test stories are not valid: " + string.Join("; ", errors));
        if (stories.Count == 0)
            return Problems.BadRequest("the test stories file holds no stories");
        var report = await Task.Run(() => StoryTester.Run(stories, control.Domain, control.Policies, control.Nlu), ct);
        return TypedResults.Text(StoriesJson(report), "application/json; charset=utf-8");
    }

    /// <summary>
    /// rasa/core/test.py test()'s result: the action report over every tested action and the stories that passed. Kefu's
    /// story test keeps no policy or confidence per action, so "actions" has action and predicted only.
    /// </summary>
    private static string StoriesJson(StoryTestReport report) => Kefu.Dialogue.Tracking.RasaEventJson.ToJsonString(w =>
    {
        var actions = report.Stories.SelectMany(s => s.Lines).OfType<TestedAction>().ToList();
        var classification = ClassificationReport.Compute(actions.Select(a => a.Expected).ToList(), actions.Select(a => a.Predicted).ToList());
        w.WriteStartObject();
        w.WritePropertyName("report");
        classification.WriteJson(w);
        w.WriteNumber("precision", classification.WeightedAvg.Precision);
        w.WriteNumber("f1", classification.WeightedAvg.F1);
        w.WriteNumber("accuracy", classification.Accuracy ?? classification.ExampleAccuracy);
        w.WriteStartArray("actions");
        foreach (var a in actions)
        {
            w.WriteStartObject();
            w.WriteString("action", a.Expected);
            w.WriteString("predicted", a.Predicted);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteBoolean("is_end_to_end_evaluation", false);
        w.WriteStartObject("conversation_accuracy");
        w.WriteNumber("accuracy", report.PassRate);
        w.WriteNumber("correct", report.Stories.Count - report.Failed);
        w.WriteNumber("with_warnings", 0);
        w.WriteNumber("total", report.Stories.Count);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Intents(
HttpRequest request, IChatService chat,
        ServerReadiness readiness, CancellationToken ct)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (chat is not IConversationControl { Nlu: NluModel model })
            return TypedResults.Problem("this server's dialogue engine has no trained NLU model to evaluate",
                statusCode: StatusCodes.Status501NotImplemented, title: "Not implemented");
        foreach (var unsupported in new[] { "model", "cross_validation_folds", "callback_url" })
            if (request.Query.ContainsKey(unsupported))
                return Problems.BadRequest($"the query parameter {unsupported} is not supported: the loaded model is evaluated on the posted data, and the answer comes in the response");
        var (text, yaml, problem) = await TextBody.ReadAsync(request, ct);
        if (problem is not null)
            return problem;

        var (examples, bad) = ReadNlu(text!, yaml);
        if (bad is not null)
            return Problems.BadRequest(bad);
        if (examples!.Count == 0)
            return Problems.BadRequest("the NLU data holds no examples to evaluate");
        // Parsing every example is CPU work of seconds for thousands of them: off the request thread.
        var evaluation = await Task.Run(() => NluTestRun.Evaluate(model, examples), ct);
        return TypedResults.Text(RasaJson(NluTestReport.From(evaluation)), "application/json; charset=utf-8");
    }

    /// <summary>The examples of a Rasa nlu.yml or Rasa JSON NLU document, or the first errors with their line and column.</summary>
    private static (IReadOnlyList<NluExample>? Examples, string? Problem) ReadNlu(string text, bool yaml)
    {
        var directory = Directory.CreateTempSubdirectory("kefu-test-intents-");
        try
        {
            var path = Path.Combine(directory.FullName, yaml ? "body.yml" : "body.json");
            File.WriteAllText(path, text);
            var (document, diagnostics) = NluDocuments.Read(path);
            var errors = diagnostics.Where(d => d.Severity == Severity.Error).Take(5)
                .Select(d => $"line {d.Location.Line}, column {d.Location.Column}: {d.Message}").ToList();
            return errors.Count > 0
                ? (null, $"the {(yaml ? "YAML" : "JSON")} NLU data is not valid: " + string.Join("; ", errors))
                : (document.Examples, null);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>rasa/nlu/test.py run_evaluation's result: the intent and entity evaluations with Rasa's keys.</summary>
    private static string RasaJson(NluTestReport report) => Kefu.Dialogue.Tracking.RasaEventJson.ToJsonString(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("intent_evaluation");
        w.WritePropertyName("report");
        report.Intents.WriteJson(w);
        WriteSummary(w, report.Intents);
        w.WriteStartArray("predictions");
        foreach (var r in report.Results)
        {
            w.WriteStartObject();
            w.WriteString("text", r.Text);
            w.WriteString("intent", r.Gold);
            w.WriteString("predicted", r.Predicted);
            w.WriteNumber("confidence", Math.Round(r.Confidence, 6));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName("errors");
        report.WriteErrorsJson(w);
        w.WriteEndObject();

        w.WritePropertyName("entity_evaluation");
        if (report.Entities.Count == 0)
            w.WriteNullValue();
        else
        {
            w.WriteStartObject();
            foreach (var entity in report.Entities)
            {
                w.WriteStartObject(entity.Extractor);
                w.WritePropertyName("report");
                entity.Report.WriteJson(w);
                WriteSummary(w, entity.Report);
                w.WriteStartArray("errors");
                foreach (var e in entity.Errors)
                {
                    w.WriteStartObject();
                    w.WriteString("text", e.Text);
                    WriteEntities(w, "entities", e.Gold, null);
                    WriteEntities(w, "predicted_entities", e.Predicted, entity.Extractor);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteNull("response_selection_evaluation");
        w.WriteEndObject();
    });

    /// <summary>Entities as Rasa's entity errors list them; start and end count UTF-16 code units, as Kefu's spans do.</summary>
    private static void WriteEntities(Utf8JsonWriter w, string name, IReadOnlyList<EntitySpan> entities, string? extractor)
    {
        w.WriteStartArray(name);
        foreach (var e in entities)
        {
            w.WriteStartObject();
            w.WriteNumber("start", e.Start);
            w.WriteNumber("end", e.End);
            w.WriteString("value", e.Value);
            w.WriteString("entity", e.Entity);
            if (extractor is not null)
                w.WriteString("extractor", extractor);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Rasa's get_evaluation_metrics: the weighted averages' precision and F1, and the accuracy.</summary>
    private static void WriteSummary(Utf8JsonWriter w, ClassificationReport report)
    {
        w.WriteNumber("accuracy", report.Accuracy ?? report.ExampleAccuracy);
        w.WriteNumber("f1_score", report.WeightedAvg.F1);
        w.WriteNumber("precision", report.WeightedAvg.Precision);
    }
}
