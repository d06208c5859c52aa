using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Routes;

/// <summary>Rasa's GET /domain: the loaded model's domain as Domain.as_dict() (JSON) or as_yaml(), by the Accept header.</summary>
public static class DomainRoutes
{
    /// <summary>Rasa's YAML_CONTENT_TYPE.</summary>
    public const string YamlContentType = "application/x-yml";

    public static RouteHandlerBuilder MapDomain(this IEndpointRouteBuilder app, string? token) =>
        app.MapGet("/domain", Domain).WithTags("Model").RequireToken(token)
            .Produces(StatusCodes.Status200OK, contentType: "application/json", additionalContentTypes: [YamlContentType])
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("The loaded domain: JSON (Accept: application/json, the default) or YAML (Accept: application/x-yml, application/yaml or text/yaml)");

    private static Results<ContentHttpResult, ProblemHttpResult> Domain(HttpRequest request, IChatService chat, ServerReadiness readiness)
    {
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        if (chat is not IConversationControl control)
            return TypedResults.Problem("this server's dialogue engine does not expose its domain",
                statusCode: StatusCodes.Status501NotImplemented, title: "Not implemented");
        if (Format(request) is not { } yaml)
            return TypedResults.Problem(
                $"the Accept header \"{request.Headers.Accept}\" names no format of the domain: application/json or {YamlContentType} (also application/yaml, text/yaml)",
                statusCode: StatusCodes.Status406NotAcceptable, title: "Not acceptable");
        var json = DomainJson.Build(control.Domain);
        return yaml
            ? TypedResults.Text(JsonYaml.Write(json), YamlContentType + "; charset=utf-8")
            : TypedResults.Text(json.GetRawText(), "application/json; charset=utf-8");
    }

    /// <summary>
    /// True for YAML, false for JSON, null when the Accept header allows neither. Rasa looks at the header's ending only
    /// ("json", "yml", "yaml"); here the media types are read in the client's order of preference, and no header, */* and
    /// application/* mean JSON, Rasa's default.
    /// </summary>
    private static bool? Format(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().Accept;
        if (accepted.Count == 0)
            return false;
        foreach (var media in accepted.OrderByDescending(m => m.Quality ?? 1))
        {
            if (media.Quality == 0)
                continue;
            var type = media.MediaType.Value?.ToLowerInvariant() ?? "";
            if (type is "application/json" or "*/*" or "application/*" || type.EndsWith("+json", StringComparison.Ordinal))
                return false;
            if (type is "application/x-yml" or "application/x-yaml" or "application/yaml" or "text/yaml" or "text/x-yaml" or "application/yml")
                return true;
        }
        return null;
    }
}
