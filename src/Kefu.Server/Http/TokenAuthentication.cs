using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Http;

/// <summary>
/// Rasa's auth (rasa/server.py requires_auth): a non-public endpoint wants the token, `Authorization: Bearer TOKEN` or
/// `?token=TOKEN`, or, with --jwt-secret, `Authorization: Bearer JWT` whose user may call it (<see cref="JwtUser.MayCall"/>,
/// the conversation being the route's {id}). Without either it is open, as Rasa's. Runs as an endpoint filter, before
/// any body is read.
/// </summary>
internal static class TokenAuthentication
{
    public static TBuilder RequireToken<TBuilder>(this TBuilder builder, string? token) where TBuilder : IEndpointConventionBuilder
    {
        var expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var jwt = JwtAuthentication.For(http.RequestServices.GetRequiredService<KefuServerOptions>());
            if (expected is null && jwt is null)
                return await next(context);
            var presented = Presented(http.Request);
            if (expected is not null && presented is not null
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected))
                return await next(context);
            if (jwt is not null && Bearer(http.Request) is { } bearer && await jwt.ValidateAsync(bearer) is { } user)
            {
                var conversation = http.Request.RouteValues.TryGetValue("id", out var id) ? id as string : null;
                if (user.MayCall(conversation))
                    return await next(context);
                return Forbidden(user);
            }
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return jwt is null ? Problems.Unauthorized() : TypedResults.Problem(
                "this endpoint needs " + (expected is null ? "" : "the server's token ('Authorization: Bearer TOKEN' or '?token=TOKEN') or ") +
                "a valid JWT signed with the server's --jwt-secret: 'Authorization: Bearer JWT'",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        });
        return builder;
    }

    /// <summary>The 403 of a valid JWT whose user may not call the route (<see cref="JwtUser.MayCall"/>).</summary>
    internal static ProblemHttpResult Forbidden(JwtUser user) => TypedResults.Problem(user.Role == "user"
            ? $"the JWT's user \"{user.Username}\" (role user) may only call the routes of conversation \"{user.Username}\""
            : $"the JWT's role is {(user.Role is null ? "missing" : $"\"{user.Role}\"")}; \"admin\" may call every route, \"user\" its own conversation's",
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    /// <summary>Whether the request presents <paramref name="token"/>, compared in constant time.</summary>
    public static bool Carries(HttpRequest request, string token) =>
        Presented(request) is { } presented
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));

    private static string? Presented(HttpRequest request) =>
        Bearer(request) ?? (request.Query.TryGetValue("token", out var query) ? query.ToString() : null);

    internal static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
