using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Http;

/// <summary>
/// One information line per request, category "Kefu.Server.Requests", event "request" (id 1):
/// <c>{"method":"POST","route":"/webhooks/rest/webhook","status":200,"duration_ms":3.1,"request_id":"0HN...:00000001"}</c>.
/// The route is the endpoint's pattern, never the raw path or query, which carry conversation ids and tokens
/// (the same bounded values as the metrics' route label); "unmatched" when routing picked none. Bodies are never logged.
/// The probes and the scrape (/healthz, /readyz, /metrics: every few seconds, from machines) are Debug lines.
/// Left out of the pipeline when the category is below Information, so that a quiet server pays nothing.
/// </summary>
public static partial class RequestLog
{
    public const string Category = "Kefu.Server.Requests";

    [LoggerMessage(EventId = 1, EventName = "request", Level = LogLevel.Information,
        Message = "{method} {route} {status} {duration_ms:0.0} ms {request_id}")]
    private static partial void Request(ILogger logger, string method, string route, int status, double duration_ms, string request_id);

    [LoggerMessage(EventId = 2, EventName = "probe", Level = LogLevel.Debug,
        Message = "{method} {route} {status} {duration_ms:0.0} ms {request_id}")]
    private static partial void Probe(ILogger logger, string method, string route, int status, double duration_ms, string request_id);

    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        if (!logger.IsEnabled(LogLevel.Information)) return app;
        return app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (route is "/healthz" or "/readyz" or "/metrics")
                    Probe(logger, context.Request.Method, route, context.Response.StatusCode, ms, context.TraceIdentifier);
                else
                    Request(logger, context.Request.Method, route, context.Response.StatusCode, ms, context.TraceIdentifier);
            }
        });
    }
}
