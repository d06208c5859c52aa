using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kefu.Server.Http;

/// <summary>A request body read as JSON: the value, or the 400/413/415 problem that explains why there is none.</summary>
internal readonly record struct BodyResult<T>(T? Value, ProblemHttpResult? Problem) where T : class;

/// <summary>
/// Reads request bodies by hand rather than through parameter binding, so that every way a body can be
/// wrong (too large, not UTF-8, not JSON, not an object) gets a ProblemDetails that says which.
/// </summary>
internal static class JsonBody
{
    public static async Task<BodyResult<T>> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        var services = request.HttpContext.RequestServices;
        var maxBytes = services.GetRequiredService<KefuServerOptions>().MaxRequestBodyBytes;
        var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        if (RequestGuards.RefuseNonJson(request) is { } notJson)
            return new(null, notJson);
        if (request.ContentLength > maxBytes)
            return new(null, Problems.TooLarge(maxBytes));

        // A pooled buffer: a fresh one per request (ArrayBufferWriter asked for 4 KB to read into) was a fifth of
        // the garbage a webhook request made.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 1024, maxBytes) + 1);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0)
                    break;
                length += read;
                if (length > maxBytes)
                    return new(null, Problems.TooLarge(maxBytes));
            }
            return Parse<T>(buffer.AsSpan(0, length), json);
        }
        catch (BadHttpRequestException e)
        {
            return new(null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Problems.TooLarge(maxBytes)
                : Problems.BadRequest($"could not read the request body: {e.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static BodyResult<T> Parse<T>(ReadOnlySpan<byte> bytes, JsonSerializerOptions json) where T : class
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        if (bytes.IsEmpty)
            return new(null, Problems.BadRequest("request body is empty; expected a JSON object"));
        if (Kefu.Text.Utf8Text.FirstInvalidByte(bytes) is { } bad)
            return new(null, Problems.BadRequest($"request body is not valid UTF-8: bad byte sequence at byte {bad}"));
        if (JsonTextCheck.SurrogateProblem(bytes) is { } notText)
            return new(null, Problems.BadRequest(notText));

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, json);
            return value is null
                ? new(null, Problems.BadRequest("request body is JSON null; expected a JSON object"))
                : new(value, null);
        }
        catch (JsonException e)
        {
            return new(null, Problems.BadRequest(JsonErrors.Describe(e, bytes, typeof(T), json)));
        }
    }
}
