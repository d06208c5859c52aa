using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Kefu.Server.Metrics;

/// <summary>The running state of one instrument: one series per distinct label set.</summary>
internal abstract class InstrumentAggregate(string name, string type, string? description)
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    // Measurements come with the same few label sets again and again: finding them by value spares formatting them.
    private readonly ConcurrentDictionary<TagKey, Series> _byTags = new();

    public string Name { get; } = PrometheusExporter.SanitizeName(name, allowColon: true);

    public static InstrumentAggregate Create(Instrument instrument, double[] buckets)
    {
        var generic = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        if (generic == typeof(Counter<>))
            return new SumAggregate(instrument.Name, "counter", instrument.Description);
        if (generic == typeof(UpDownCounter<>))
            return new SumAggregate(instrument.Name, "gauge", instrument.Description);
        if (generic == typeof(Histogram<>))
            return new HistogramAggregate(instrument.Name, instrument.Description, buckets);
        // Observable instruments report their current value; so does Gauge<T>.
        var type = generic == typeof(ObservableCounter<>) ? "counter" : "gauge";
        return new LastValueAggregate(instrument.Name, type, instrument.Description);
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = tags.Length <= TagKey.MaxTags ? SeriesFor(tags) : SeriesOf(tags);
        lock (series)
            series.Record(value);
    }

    private Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(LabelSet(tags), static (_, self) => self.NewSeries(), this);

    private Series SeriesFor(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new TagKey(tags);
        return _byTags.TryGetValue(key, out var series) ? series : _byTags.GetOrAdd(key, SeriesOf(tags));
    }

    /// <summary>Up to three tags, in the order given, compared by value.</summary>
    private readonly record struct TagKey(string? K1, object? V1, string? K2, object? V2, string? K3, object? V3)
    {
        public const int MaxTags = 3;

        public TagKey(ReadOnlySpan<KeyValuePair<string, object?>> tags) : this(
            tags.Length > 0 ? tags[0].Key : null, tags.Length > 0 ? tags[0].Value : null,
            tags.Length > 1 ? tags[1].Key : null, tags.Length > 1 ? tags[1].Value : null,
            tags.Length > 2 ? tags[2].Key : null, tags.Length > 2 ? tags[2].Value : null)
        {
        }
    }

    public void Write(StringBuilder text)
    {
        if (!string.IsNullOrEmpty(description))
            text.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusExporter.EscapeHelp(description)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            lock (series)
                series.Write(Name, labels, text);
    }

    protected abstract Series NewSeries();

    /// <summary>Labels sorted by name, rendered as they appear between the braces: a="x",b="y".</summary>
    private static string LabelSet(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
            return "";
        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in sorted)
        {
            if (text.Length > 0)
                text.Append(',');
            text.Append(PrometheusExporter.SanitizeName(key, allowColon: false)).Append("=\"")
                .Append(PrometheusExporter.EscapeLabelValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""))
                .Append('"');
        }
        return text.ToString();
    }

    internal static void WriteSample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
            text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(PrometheusExporter.FormatValue(value)).Append('\n');
    }

    internal abstract class Series
    {
        public abstract void Record(double value);
        public abstract void Write(string name, string labels, StringBuilder text);
    }
}

internal sealed class SumAggregate(string name, string type, string? description)
    : InstrumentAggregate(name, type, description)
{
    protected override Series NewSeries() => new Sum();

    private sealed class Sum : Series
    {
        private double _total;
        public override void Record(double value) => _total += value;
        public override void Write(string name, string labels, StringBuilder text) => WriteSample(text, name, labels, _total);
    }
}

internal sealed class LastValueAggregate(string name, string type, string? description)
    : InstrumentAggregate(name, type, description)
{
    protected override Series NewSeries() => new LastValue();

    private sealed class LastValue : Series
    {
        private double _value;
        public override void Record(double value) => _value = value;
        public override void Write(string name, string labels, StringBuilder text) => WriteSample(text, name, labels, _value);
    }
}

internal sealed class HistogramAggregate(string name, string? description, double[] buckets)
    : InstrumentAggregate(name, "histogram", description)
{
    protected override Series NewSeries() => new Buckets(buckets);

    /// <summary>Counts per bucket (non-cumulative while recording; cumulated when written), plus sum and count.</summary>
    private sealed class Buckets(double[] bounds) : Series
    {
        private readonly long[] _counts = new long[bounds.Length + 1]; // last one: above every bound
        private double _sum;
        private long _count;

        public override void Record(double value)
        {
            var i = 0;
            while (i < bounds.Length && value > bounds[i])
                i++;
            _counts[i]++;
            _sum += value;
            _count++;
        }

        public override void Write(string name, string labels, StringBuilder text)
        {
            var prefix = labels.Length > 0 ? labels + "," : "";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += _counts[i];
                WriteSample(text, name + "_bucket", prefix + "le=\"" + PrometheusExporter.FormatValue(bounds[i]) + "\"", cumulative);
            }
            WriteSample(text, name + "_bucket", prefix + "le=\"+Inf\"", _count);
            WriteSample(text, name + "_sum", labels, _sum);
            WriteSample(text, name + "_count", labels, _count);
        }
    }
}
