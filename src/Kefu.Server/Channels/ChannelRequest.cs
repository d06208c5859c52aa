using System.Text.Json;
using Kefu.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Channels;

/// <summary>
/// A platform's request body as raw bytes (signatures are computed over the exact bytes), read up to the server's
/// --max-body-kb, and the checks every channel makes before a turn. Answers are ProblemDetails: platforms log the status.
/// </summary>
internal static class ChannelRequest
{
    public static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var maxBytes = request.HttpContext.RequestServices.GetRequiredService<KefuServerOptions>().MaxRequestBodyBytes;
        if (request.ContentLength > maxBytes)
            return (null, Problems.TooLarge(maxBytes));
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return (null, Problems.TooLarge(maxBytes));
                buffer.Write(chunk, 0, read);
            }
            return (buffer.ToArray(), null);
        }
        catch (BadHttpRequestException e)
        {
            return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Problems.TooLarge(maxBytes)
                : Problems.BadRequest($"could not read the request body: {e.Message}"));
        }
    }

    /// <summary>The body as a JSON object, or the 400 that says why it is not one.</summary>
    public static (JsonElement Root, ProblemHttpResult? Problem) ParseObject(byte[] body, string channel)
    {
        if (JsonTextCheck.Problem(body) is { } notText)
            return (default, Problems.BadRequest($"a {channel} {notText}"));
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            return root.ValueKind == JsonValueKind.Object ? (root, null)
                : (default, Problems.BadRequest($"a {channel} request body must be a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}"));
        }
        catch (JsonException e)
        {
            return (default, Problems.BadRequest($"a {channel} request body is not valid JSON: {e.Message}"));
        }
    }

    public static ProblemHttpResult NotVerified(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Request not verified");

    /// <summary>The 503 (not ready) or 409 (conversation full) to answer before a turn; null when the turn may run.</summary>
    public static async Task<ProblemHttpResult?> RefuseTurnAsync(HttpContext context, string senderId)
    {
        var services = context.RequestServices;
        var readiness = services.GetRequiredService<ServerReadiness>();
        if (!readiness.IsReady)
            return Problems.NotReady(readiness);
        return await ConversationSize.CheckAsync(context, senderId, services.GetRequiredService<KefuServerOptions>().Limits);
    }

    /// <summary>A string property, or null when absent or not a string.</summary>
    public static string? String(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;

    /// <summary>An object property, or null.</summary>
    public static JsonElement? Object(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value : null;

    /// <summary>A number (or numeric string) property as its JSON text, or null: Telegram's ids exceed 32 bits.</summary>
    public static string? Id(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                JsonValueKind.String => value.GetString(),
                _ => null,
            }
            : null;
}
