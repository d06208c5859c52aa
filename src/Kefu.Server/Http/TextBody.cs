using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Kefu.Server.Http;

/// <summary>
/// A request body of training or test data: YAML (Rasa's YAML_CONTENT_TYPE application/x-yml, or application/yaml,
/// text/yaml) or JSON, as UTF-8 text within the body limit. Other types (text/plain, forms: what another site's page
/// may send without asking) stay a 415, as for every other body.
/// </summary>
internal static class TextBody
{
    public static async Task<(string? Text, bool Yaml, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        bool yaml = MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.MediaType.Value?.ToLowerInvariant() is "application/x-yml" or "application/x-yaml" or "application/yaml"
                or "application/yml" or "text/yaml" or "text/x-yaml";
        if (!yaml && RequestGuards.RefuseNonJson(request) is { } notJson)
            return (null, false, TypedResults.Problem(
                $"the request has Content-Type \"{request.ContentType}\"; send YAML as application/x-yml (or application/yaml, text/yaml) or JSON as application/json",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type"));

        var maxBytes = request.HttpContext.RequestServices.GetRequiredService<KefuServerOptions>().MaxRequestBodyBytes;
        if (request.ContentLength > maxBytes)
            return (null, yaml, Problems.TooLarge(maxBytes));
        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return (null, yaml, Problems.TooLarge(maxBytes));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            return (null, yaml, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Problems.TooLarge(maxBytes)
                : Problems.BadRequest($"could not read the request body: {e.Message}"));
        }
        if (buffer.Length == 0)
            return (null, yaml, Problems.BadRequest("request body is empty"));
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            return (text.TrimStart('\uFEFF'), yaml, null);
        }
        catch (DecoderFallbackException e)
        {
            return (null, yaml, Problems.BadRequest($"request body is not valid UTF-8: bad byte sequence at byte {e.Index}"));
        }
    }
}
