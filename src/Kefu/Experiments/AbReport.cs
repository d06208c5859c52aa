namespace Kefu.Experiments;

/// <summary>
/// A metric of a report: a mean (stars, response time) compared by Welch's t-test or a rate (thumbs up, resolved
/// without handoff, fallback) compared by the two-proportion z-test. Effect: the smallest difference worth finding,
/// in the metric's units (stars, ms, or a rate difference such as 0.02 = 2 percentage points).
/// </summary>
public sealed record Metric(string Key, string Title, bool IsRate, bool HigherIsBetter, double Effect);

/// <summary>One arm's value of a metric: n, the mean or rate, and its confidence interval (null when undefined).</summary>
public sealed record ArmValue(string Arm, int N, double? Value, Interval? Interval);

/// <summary>An arm against the baseline on one metric.</summary>
public sealed record Comparison(string Arm, TestResult Result, Verdict Verdict);

/// <summary>A metric across the arms; MinimumPerArm is the sample size for the metric's effect at the baseline's spread or rate.</summary>
public sealed record MetricReport(Metric Metric, IReadOnlyList<ArmValue> Arms, IReadOnlyList<Comparison> Comparisons, int? MinimumPerArm);

public sealed record AbReportOptions(double Alpha = 0.05, double Power = 0.8, string? Baseline = null,
    double StarsEffect = 0.1, double RateEffect = 0.02, double ResponseMsEffect = 100);

/// <summary>
/// Per-arm means and rates with confidence intervals, and each arm against the baseline: difference, interval,
/// test, p-value, minimum sample size and verdict, for every metric (docs/experiments.md). Arms: the baseline
/// first, then in the order they first appear.
/// </summary>
public sealed record AbReport(string Baseline, double Alpha, double Power, IReadOnlyList<(string Arm, int Conversations)> Arms,
    IReadOnlyList<MetricReport> Metrics)
{
    public static AbReport Build(IReadOnlyList<Outcome> outcomes, AbReportOptions options)
    {
        if (!(options.Alpha > 0 && options.Alpha < 1)) throw new ArgumentException($"--alpha must be between 0 and 1, got {options.Alpha}");
        if (!(options.Power > 0 && options.Power < 1)) throw new ArgumentException($"--power must be between 0 and 1, got {options.Power}");
        foreach (var (name, value) in new[] { ("--effect-stars", options.StarsEffect), ("--effect-ms", options.ResponseMsEffect) })
            if (!(value > 0) || !double.IsFinite(value)) throw new ArgumentException($"{name} must be a positive number, got {value}");
        if (!(options.RateEffect > 0 && options.RateEffect < 1)) throw new ArgumentException($"--effect-rate must be between 0 and 1, got {options.RateEffect}");

        var order = outcomes.Select(o => o.Arm).Distinct(StringComparer.Ordinal).ToList();
        if (options.Baseline is { } b && !order.Contains(b))
            throw new ArgumentException($"--baseline {b} names no arm of the outcomes (arms: {(order.Count == 0 ? "none" : string.Join(", ", order))})");
        if (order.Count < 2)
            throw new ArgumentException($"an A/B report needs outcomes of at least two arms, got {(order.Count == 0 ? "none" : "only " + order[0])}");
        string baseline = options.Baseline ?? order[0];
        var arms = order.Where(a => a != baseline).Prepend(baseline).ToList();
        var byArm = arms.ToDictionary(a => a, a => outcomes.Where(o => o.Arm == a).ToList());

        var metrics = new List<MetricReport>
        {
            Mean(new("stars", "stars (1–5)", false, true, options.StarsEffect), o => o.Stars),
            Rate(new("thumbs_up", "thumbs up (of votes)", true, true, options.RateEffect),
                o => o.ThumbsUp == true ? true : o.ThumbsDown == true ? false : null),
            Rate(new("resolved", "resolved without handoff", true, true, options.RateEffect), o => o.HandedOff is { } h ? !h : null),
            Rate(new("fallback", "fallback rate", true, false, options.RateEffect), o => o.Fallback),
            Mean(new("response_ms", "response time (ms)", false, false, options.ResponseMsEffect), o => o.ResponseMs),
        };
        return new(baseline, options.Alpha, options.Power, arms.Select(a => (a, byArm[a].Count)).ToList(), metrics);

        MetricReport Mean(Metric metric, Func<Outcome, double?> value)
        {
            var summaries = arms.Select(a => SampleSummary.Of(byArm[a].Select(value).OfType<double>().ToList())).ToList();
            var values = arms.Select((a, i) => new ArmValue(a, summaries[i].N, summaries[i].N > 0 ? summaries[i].Mean : null,
                HypothesisTests.MeanInterval(summaries[i], options.Alpha))).ToList();
            var comparisons = arms.Skip(1).Select((a, i) => Compare(metric, a, HypothesisTests.Welch(summaries[0], summaries[i + 1], options.Alpha))).ToList();
            return new(metric, values, comparisons, SampleSize.Means(summaries[0].StandardDeviation, metric.Effect, options.Alpha, options.Power));
        }

        MetricReport Rate(Metric metric, Func<Outcome, bool?> success)
        {
            var counts = arms.Select(a => byArm[a].Select(success).OfType<bool>().ToList()).Select(l => new Proportion(l.Count(s => s), l.Count)).ToList();
            var values = arms.Select((a, i) => new ArmValue(a, counts[i].N, counts[i].N > 0 ? counts[i].Rate : null,
                HypothesisTests.WilsonInterval(counts[i], options.Alpha))).ToList();
            var comparisons = arms.Skip(1).Select((a, i) => Compare(metric, a, HypothesisTests.TwoProportion(counts[0], counts[i + 1], options.Alpha))).ToList();
            int? minimum = counts[0].N > 0 ? SampleSize.Proportions(counts[0].Rate, metric.Effect, options.Alpha, options.Power) : null;
            return new(metric, values, comparisons, minimum);
        }

        Comparison Compare(Metric metric, string arm, TestResult result) =>
            new(arm, result, Verdicts.Decide(result, options.Alpha, metric.HigherIsBetter));
    }
}
