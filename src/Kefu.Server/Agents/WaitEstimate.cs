namespace Kefu.Server.Agents;

/// <summary>
/// How long a customer just handed off will wait for an agent, from how long recent handoffs waited (docs/agents.md,
/// "The queue"): the median time from handoff to first claim of the last <see cref="ClaimsKept"/> claims, times the
/// customer's position + 1, in whole minutes (rounded, at least 1). The console does not know how many agents are free,
/// so the estimate assumes the conversations ahead are served one after another at the recent pace.
/// </summary>
public static class WaitEstimate
{
    public const int ClaimsKept = 20;

    /// <summary>The estimate in minutes; null when no claim has been seen yet.</summary>
    /// <param name="recentWaits">Handoff-to-claim waits, any order (only the median counts).</param>
    /// <param name="position">Unclaimed conversations handed off before this one.</param>
    public static int? Minutes(IReadOnlyCollection<TimeSpan> recentWaits, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (recentWaits.Count == 0)
            return null;
        var sorted = recentWaits.Select(w => Math.Max(0, w.TotalSeconds)).Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        var minutes = Math.Round(median * (position + 1) / 60, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(minutes, 1, 24 * 60);
    }
}
