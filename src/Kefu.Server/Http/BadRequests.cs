using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace Kefu.Server.Http;

/// <summary>
/// A request that Kestrel or ASP.NET rejects under a route (BadHttpRequestException: a body over the limit, a broken
/// chunk, a body cut short, one arriving too slowly) is the client's error, not the server's: it is answered with the
/// status the rejection carries and a ProblemDetails that says what was wrong, where the exception handler would
/// otherwise make it a 500. The body readers catch these themselves; this is for any reader that does not.
/// Rejections Kestrel makes before a request reaches the application (a malformed request line or header, an invalid
/// Content-Length) are written by Kestrel itself, with no body, and cannot be changed here.
/// </summary>
internal sealed class BadRequests(KefuServerOptions options) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var bad = exception as BadHttpRequestException ?? exception.InnerException as BadHttpRequestException;
        if (bad is null)
            return false;
        ProblemHttpResult problem = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => Problems.TooLarge(options.MaxRequestBodyBytes),
            StatusCodes.Status400BadRequest => Problems.BadRequest($"could not read the request: {bad.Message}"),
            var status => TypedResults.Problem($"could not read the request: {bad.Message}", statusCode: status,
                title: ReasonPhrases.GetReasonPhrase(status)),
        };
        await problem.ExecuteAsync(context);
        return true;
    }
}
