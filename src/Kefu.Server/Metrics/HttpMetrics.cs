using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kefu.Server.Metrics;

/// <summary>The server's own HTTP instruments; one meter per server so that servers sharing a process keep apart.</summary>
public sealed class HttpMetrics : IDisposable
{
    public const string MeterName = "Kefu.Server";

    // Seconds; dense below 20 ms, where the webhook's p99 target lies.
    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public Meter Meter { get; } = new(MeterName);

    public HttpMetrics()
    {
        _requests = Meter.CreateCounter<long>("kefu_http_requests_total",
            description: "HTTP requests handled, by route, method and status code");
        _duration = Meter.CreateHistogram<double>("kefu_http_request_duration_seconds", unit: "s",
            description: "Time from request start to response end, by route and method",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    public void Record(string route, string method, int status, double seconds)
    {
        _requests.Add(1, new TagList { { "route", route }, { "method", method }, { "status", status } });
        _duration.Record(seconds, new TagList { { "route", route }, { "method", method } });
    }

    public void Dispose() => Meter.Dispose();
}

public static class HttpMetricsMiddleware
{
    /// <summary>Counts and times every request. Route is the endpoint's pattern (bounded label values), or "unmatched".</summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app, HttpMetrics metrics) =>
        app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Record(route, context.Request.Method, context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        });
}
