using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kefu.Server.Http;

/// <summary>
/// Rasa's token auth: a non-public endpoint wants `Authorization: Bearer TOKEN` or `?token=TOKEN`.
/// Runs as an endpoint filter, before any body is read.
/// </summary>
internal static class TokenAuthentication
{
    public static TBuilder RequireToken<TBuilder>(this TBuilder builder, string? token) where TBuilder : IEndpointConventionBuilder
    {
        if (string.IsNullOrEmpty(token))
            return builder;
        var expected = Encoding.UTF8.GetBytes(token);
        builder.AddEndpointFilter((context, next) =>
        {
            if (Presented(context.HttpContext.Request) is { } presented
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected))
                return next(context);
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(Problems.Unauthorized());
        });
        return builder;
    }

    /// <summary>Whether the request presents <paramref name="token"/>, compared in constant time.</summary>
    public static bool Carries(HttpRequest request, string token) =>
        Presented(request) is { } presented
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim();
        return request.Query.TryGetValue("token", out var query) ? query.ToString() : null;
    }
}
