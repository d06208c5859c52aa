using System.Diagnostics.Metrics;

namespace Kefu.Observability;

/// <summary>Kefu's instruments; the server exports every instrument of this meter as Prometheus text at /metrics.</summary>
public static class KefuMetrics
{
    public const string MeterName = "Kefu";
    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("kefu_messages_total", description: "User messages handled");
    public static readonly Counter<long> Intents = Meter.CreateCounter<long>("kefu_intents_total", description: "Predicted intents, tagged intent");
    public static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("kefu_fallbacks_total", description: "Turns that ended in a fallback action");
    public static readonly Counter<long> Handoffs = Meter.CreateCounter<long>("kefu_handoffs_total", description: "Conversations handed to a human agent");
}
