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

    /// <summary>Thumbs votes stored, tagged value "up" | "down": a repeated vote is not counted, a changed one counts under its new value (docs/feedback.md).</summary>
    public static readonly Counter<long> FeedbackThumbs = Meter.CreateCounter<long>("kefu_feedback_thumbs_total",
        description: "Thumbs votes on bot messages stored, tagged value (up, down); repeats not counted, changes counted under the new value");
    /// <summary>Conversation ratings stored, tagged stars "1".."5"; counted as <see cref="FeedbackThumbs"/> is.</summary>
    public static readonly Counter<long> FeedbackRatings = Meter.CreateCounter<long>("kefu_feedback_ratings_total",
        description: "Conversation ratings stored, tagged stars (1-5); repeats not counted, changes counted under the new stars");

    /// <summary>Correction-inbox decisions stored, tagged decision "confirmed" | "corrected" | "dismissed"; an override counts again under its new decision (docs/agents.md).</summary>
    public static readonly Counter<long> Corrections = Meter.CreateCounter<long>("kefu_corrections_total",
        description: "Correction-inbox decisions stored, tagged decision (confirmed, corrected, dismissed); an override counts again under the new decision");

    /// <summary>Conversations that joined an arm of a live A/B experiment, tagged experiment and arm (docs/experiments.md).</summary>
    public static readonly Counter<long> AbConversations = Meter.CreateCounter<long>("kefu_ab_conversations_total",
        description: "Conversations that joined an arm of a live A/B experiment, tagged experiment and arm");

    /// <summary>Responses asked of endpoints.yml's NLG (a server, or the local model), tagged outcome "generated" | "template" (the domain's template was sent).</summary>
    public static readonly Counter<long> NlgResponses = Meter.CreateCounter<long>("kefu_nlg_responses_total",
        description: "Responses asked of the NLG (a server or the local model), tagged outcome (generated, template: it failed or a guardrail held and the template was sent)");

    /// <summary>
    /// Where a turn's time goes, tagged phase: "lock" (waiting for the conversation's earlier messages), "engine"
    /// (NLU, policies, actions) and "store" (waiting for the commit that makes the turn durable). A latency tail
    /// in "store" with a quick engine points at the store or at the process being paused (GC), not at the bot.
    /// </summary>
    public static readonly Histogram<double> TurnPhases = Meter.CreateHistogram<double>("kefu_turn_phase_seconds", unit: "s",
        description: "Seconds a turn spent waiting for its conversation (lock), in the engine, and waiting for the store (store)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    public static void RecordTurnPhase(string phase, long startTimestamp, long endTimestamp) =>
        TurnPhases.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("phase", phase));
}
