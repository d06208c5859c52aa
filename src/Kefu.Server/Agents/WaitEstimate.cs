namespace Kefu.Server.Agents;

/// <summary>
/// How long a customer just handed off will wait for an agent, from how long recent handoffs waited (docs/agents.md,
/// "The wait"): the median time from handoff to first claim of the last <see cref="ClaimsKept"/> claims, times the
/// rounds of claims before the customer's turn when the agents online each take one conversation ahead a round
/// (ceil((position + 1) / agents), agents at least 1), in whole minutes (rounded, at least 1).
/// </summary>
public static class WaitEstimate
{
    public const int ClaimsKept = 20;

    /// <summary>The estimate in minutes; null when no claim has been seen yet.</summary>
    /// <param name="recentWaits">Handoff-to-claim waits, any order (only the median counts).</param>
    /// <param name="position">Unclaimed conversations handed off before this one.</param>
    /// <param name="agentsOnline">Agents with the console open; 0 (unknown) counts as 1.</param>
    public static int? Minutes(IReadOnlyCollection<TimeSpan> recentWaits, int position, int agentsOnline = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(agentsOnline);
        if (recentWaits.Count == 0)
            return null;
        var sorted = recentWaits.Select(w => Math.Max(0, w.TotalSeconds)).Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        var rounds = position / Math.Max(1, agentsOnline) + 1;
        var minutes = Math.Round(median * rounds / 60, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(minutes, 1, 24 * 60);
    }
}
