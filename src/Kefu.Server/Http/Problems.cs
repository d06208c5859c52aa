using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kefu.Server.Http;

/// <summary>The ProblemDetails (RFC 9457) answers the routes give; detail says what was wrong and where.</summary>
internal static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    public static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem($"request body is larger than the limit of {maxBytes} bytes",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");

    public static ProblemHttpResult NotReady(ServerReadiness readiness) =>
        TypedResults.Problem(readiness.Reason ?? "the server is not ready; retry shortly",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");

    public static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem("this endpoint needs the server's token: 'Authorization: Bearer TOKEN' or '?token=TOKEN'",
            statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
}
