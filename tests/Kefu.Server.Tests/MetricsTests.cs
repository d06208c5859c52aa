using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kefu.Server.Metrics;

namespace Kefu.Server.Tests;

public partial class MetricsTests
{
    // A sample line of the 0.0.4 text format: name, optional {labels}, value (no timestamps from us).
    [GeneratedRegex("""^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$""")]
    private static partial Regex SampleLine();

    [Fact]
    public async Task Metrics_endpoint_serves_prometheus_text_with_request_counts_and_latency()
    {
        await using var host = await TestHost.StartAsync();
        for (var i = 0; i < 3; i++)
            await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"m","message":"hi"}"""));
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("{"));

        var response = await host.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        AssertWellFormed(text);
        Assert.Contains("# TYPE kefu_http_requests_total counter\n", text);
        Assert.Contains("kefu_http_requests_total{method=\"POST\",route=\"/webhooks/rest/webhook\",status=\"200\"} 3\n", text);
        Assert.Contains("kefu_http_requests_total{method=\"POST\",route=\"/webhooks/rest/webhook\",status=\"400\"} 1\n", text);
        Assert.Contains("# TYPE kefu_http_request_duration_seconds histogram\n", text);
        Assert.Contains("kefu_http_request_duration_seconds_bucket{method=\"POST\",route=\"/webhooks/rest/webhook\",le=\"+Inf\"} 4\n", text);
        Assert.Contains("kefu_http_request_duration_seconds_count{method=\"POST\",route=\"/webhooks/rest/webhook\"} 4\n", text);
        Assert.Contains("# TYPE kefu_messages_total counter\n", text);
        Assert.Contains("kefu_intents_total{intent=\"echo\"}", text);
        // the runtime's own meter: GC collections and pause time, for latency tails
        Assert.Contains("# TYPE dotnet_gc_pause_time counter\n", text);
        Assert.Contains("dotnet_gc_collections{gc_heap_generation=\"gen0\"}", text);
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_labels_escaped()
    {
        using var meter = new Meter("Kefu.Tests.Exporter");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, meter));
        var histogram = meter.CreateHistogram<double>("test_latency_seconds",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        var counter = meter.CreateCounter<long>("test.events", description: "line one\nline two");
        foreach (var value in new[] { 0.05, 0.1, 0.5, 5 })
            histogram.Record(value);
        counter.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));

        var text = exporter.Write();

        AssertWellFormed(text);
        Assert.Contains("test_latency_seconds_bucket{le=\"0.1\"} 2\n", text);   // 0.05 and 0.1 (le is inclusive)
        Assert.Contains("test_latency_seconds_bucket{le=\"1\"} 3\n", text);
        Assert.Contains("test_latency_seconds_bucket{le=\"+Inf\"} 4\n", text);
        Assert.Contains("test_latency_seconds_sum 5.65\n", text);
        Assert.Contains("test_latency_seconds_count 4\n", text);
        Assert.Contains("# HELP test_events line one\\nline two\n", text);
        Assert.Contains("test_events{path=\"a\\\"b\\\\c\\nd\"} 2\n", text);
    }

    [Fact]
    public void One_label_set_is_one_series_whatever_the_order_of_its_tags()
    {
        using var meter = new Meter("Kefu.Tests.Labels");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, meter));
        var counter = meter.CreateCounter<long>("test_hits");
        KeyValuePair<string, object?> a = new("a", "1"), b = new("b", "2"), c = new("c", 3), d = new("d", "4");
        counter.Add(1, a, b);
        counter.Add(2, b, a);
        counter.Add(4, a, b);
        counter.Add(8, a, new KeyValuePair<string, object?>("b", "other"));
        counter.Add(16, [d, c, b, a]);      // more tags than the quick path takes
        counter.Add(32, [a, b, c, d]);

        var text = exporter.Write();

        AssertWellFormed(text);
        Assert.Contains("test_hits{a=\"1\",b=\"2\"} 7\n", text);
        Assert.Contains("test_hits{a=\"1\",b=\"other\"} 8\n", text);
        Assert.Contains("test_hits{a=\"1\",b=\"2\",c=\"3\",d=\"4\"} 48\n", text);
    }

    [Fact]
    public void Observable_gauges_are_read_at_scrape_time()
    {
        using var meter = new Meter("Kefu.Tests.Observable");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, meter));
        var depth = 3;
        meter.CreateObservableGauge("test_queue_depth", () => depth);

        Assert.Contains("test_queue_depth 3\n", exporter.Write());
        depth = 5;
        Assert.Contains("test_queue_depth 5\n", exporter.Write());
    }

    private static void AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
                continue;
            Assert.True(SampleLine().IsMatch(line), $"not a valid sample line: {line}");
            var value = line[(line.LastIndexOf(' ') + 1)..];
            Assert.True(value is "+Inf" or "-Inf" or "NaN" || double.TryParse(value, CultureInfo.InvariantCulture, out _), line);
        }
    }
}
