using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Kefu.Server.Metrics;

/// <summary>
/// Aggregates every measurement of the meters it follows and writes them as Prometheus text exposition
/// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Counters become
/// counters, up-down counters and gauges become gauges, histograms become cumulative _bucket/_sum/_count.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // OpenTelemetry's default boundaries, for histograms that give no advice.
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly List<InstrumentAggregate> _instruments = [];

    public PrometheusExporter(Func<Meter, bool> follow)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!follow(instrument.Meter))
                return;
            var aggregate = InstrumentAggregate.Create(instrument, HistogramBuckets(instrument));
            lock (_instruments)
            {
                if (_instruments.Any(i => i.Name == aggregate.Name))
                    return; // a second instrument of the same name would make the exposition invalid
                _instruments.Add(aggregate);
            }
            listener.EnableMeasurementEvents(instrument, aggregate);
        };
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_instruments)
                _instruments.Remove((InstrumentAggregate)state!);
        };
        _listener.SetMeasurementEventCallback<byte>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>((_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, v, tags, state) => ((InstrumentAggregate)state!).Record((double)v, tags));
        _listener.Start();
    }

    public string Write()
    {
        _listener.RecordObservableInstruments();
        InstrumentAggregate[] instruments;
        lock (_instruments)
            instruments = _instruments.ToArray();
        var text = new StringBuilder();
        foreach (var instrument in instruments)
            instrument.Write(text);
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private static double[] HistogramBuckets(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets,
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
        _ => DefaultBuckets,
    };

    internal static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Prometheus names allow [a-zA-Z0-9_:] and no leading digit; anything else becomes '_'.</summary>
    internal static string SanitizeName(string name, bool allowColon)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
                chars[i] = '_';
        }
        return chars.Length == 0 ? "_" : new string(chars);
    }

    internal static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    internal static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");
}
