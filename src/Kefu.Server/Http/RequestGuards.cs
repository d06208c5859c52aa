using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Kefu.Server.Http;

/// <summary>
/// What keeps other sites' pages out of a server that a browser can reach (issue 13): a page on another origin can
/// send "simple" cross-site requests (text/plain or form bodies, no preflight) and, through DNS rebinding, even
/// same-origin ones. Three checks, cheapest first:
///   Host:   the Host header must be a name the server answers to (options.ResolvedAllowedHosts) — stops rebinding;
///   Origin: a state-changing request (not GET/HEAD/OPTIONS) from a browser page must come from the server's own
///           origin or one listed in options.CorsOrigins — stops cross-site posts whatever their body;
///   JSON:   a request body must say it is JSON (application/json or */*+json) — no simple request can.
/// CORS (preflights and Access-Control-* headers) only for options.CorsOrigins; none by default.
/// </summary>
internal static class RequestGuards
{
    public static IServiceCollection AddRequestGuards(this IServiceCollection services, KefuServerOptions options)
    {
        options.ValidateSecuritySettings();
        if (options.CorsOrigins.Count > 0)
            services.AddCors();
        // Routing answers 415 itself when a route's Accepts metadata (application/json) does not match: its empty
        // ProblemDetails gets the same detail as the body reader's own check.
        services.Configure<ProblemDetailsOptions>(problems =>
        {
            var earlier = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
                    context.ProblemDetails.Detail = NonJsonDetail(context.HttpContext.Request);
            };
        });
        return services;
    }

    public static WebApplication UseRequestGuards(this WebApplication app, KefuServerOptions options)
    {
        var hosts = new HostMatcher(options.ResolvedAllowedHosts);
        var origins = options.CorsOrigins.Select(o => KefuServerOptions.NormalizeOrigin(o, out _)!).ToHashSet(StringComparer.Ordinal);
        var anyOrigin = origins.Contains("*");

        app.Use((context, next) =>
        {
            var host = context.Request.Host;
            if (hosts.Allows(host) || IsHealthProbe(context.Request))
                return next(context);
            return TypedResults.Problem(
                $"the Host header \"{host}\" is not a name this server answers to; its operator can allow it with --allowed-hosts",
                statusCode: StatusCodes.Status400BadRequest, title: "Host not allowed").ExecuteAsync(context);
        });

        if (origins.Count > 0)
            app.UseCors(policy =>
            {
                // Listed origins get cookies (a same-site widget keeps its session); "*" cannot, by the CORS rules.
                if (anyOrigin)
                    policy.AllowAnyOrigin();
                else
                    policy.WithOrigins([.. origins]).AllowCredentials();
                policy.WithMethods(HttpMethods.Get, HttpMethods.Head, HttpMethods.Post)
                    .WithHeaders(HeaderNames.ContentType, HeaderNames.Authorization)
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            });

        app.Use((context, next) =>
        {
            var request = context.Request;
            if (IsSafe(request.Method) || request.Headers.Origin.Count == 0 || anyOrigin)
                return next(context);
            var origin = request.Headers.Origin.ToString();
            if (origins.Contains(origin) || IsSameOrigin(origin, request.Host))
                return next(context);
            return TypedResults.Problem(
                $"a page at {origin} may not {request.Method} here: only this server's own pages and the origins of --cors-origins may",
                statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused").ExecuteAsync(context);
        });
        return app;
    }

    /// <summary>Null when the request's body is declared JSON in UTF-8; the 415 that says what was sent otherwise.</summary>
    public static ProblemHttpResult? RefuseNonJson(HttpRequest request)
    {
        var declared = request.ContentType;
        if (MediaTypeHeaderValue.TryParse(declared, out var type)
            && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
            && (!type.Charset.HasValue || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
            return null;
        return TypedResults.Problem(NonJsonDetail(request), statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");
    }

    private static string NonJsonDetail(HttpRequest request)
    {
        var declared = request.ContentType;
        var sent = string.IsNullOrEmpty(declared) ? "no Content-Type" : $"Content-Type \"{declared}\"";
        return $"the request has {sent}; its body must be JSON sent as application/json (charset utf-8 if any), e.g. curl -H 'Content-Type: application/json'";
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>Orchestrators probe by address; the answers say nothing about conversations.</summary>
    private static bool IsHealthProbe(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Path.Value is "/healthz" or "/readyz";

    /// <summary>
    /// The page's origin names this server as the request reached it: same host, same port. The scheme is not
    /// compared (a TLS-terminating proxy turns https into http); a Host without a port matches the origin's default.
    /// </summary>
    internal static bool IsSameOrigin(string origin, HostString host)
    {
        if (!host.HasValue || !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return false;
        if (!string.Equals(uri.Host, host.Host, StringComparison.OrdinalIgnoreCase))
            return false;
        return host.Port is { } port ? port == uri.Port : uri.IsDefaultPort;
    }

    /// <summary>Host names as <see cref="KefuServerOptions.AllowedHosts"/> lists them; the port is not compared.</summary>
    private sealed class HostMatcher
    {
        private readonly bool _any;
        private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _suffixes = [];

        public HostMatcher(IEnumerable<string> patterns)
        {
            foreach (var pattern in patterns)
            {
                if (pattern == "*")
                    _any = true;
                else if (pattern.StartsWith("*.", StringComparison.Ordinal))
                    _suffixes.Add(pattern[1..]);
                else
                    _names.Add(pattern);
            }
        }

        /// <summary>An absent Host (HTTP/1.0) passes: no browser sends one, so no page can use it.</summary>
        public bool Allows(HostString host)
        {
            if (_any || !host.HasValue)
                return true;
            var name = host.Host;
            return _names.Contains(name) || _suffixes.Exists(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase) && name.Length > s.Length);
        }
    }
}
