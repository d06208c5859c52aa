namespace Kefu.Experiments;

/// <summary>The report as `kefu ab report --json` prints it (docs/experiments.md), for the CLI and the console.</summary>
public static class AbReportJson
{
    public static Dictionary<string, object?> Of(AbReport report) => new()
    {
        ["baseline"] = report.Baseline,
        ["alpha"] = report.Alpha,
        ["power"] = report.Power,
        ["arms"] = report.Arms.Select(a => new Dictionary<string, object> { ["arm"] = a.Arm, ["conversations"] = a.Conversations }),
        ["metrics"] = report.Metrics.Select(m => new Dictionary<string, object?>
        {
            ["metric"] = m.Metric.Key,
            ["kind"] = m.Metric.IsRate ? "rate" : "mean",
            ["better"] = m.Metric.HigherIsBetter ? "higher" : "lower",
            ["effect"] = m.Metric.Effect,
            ["min_n_per_arm"] = m.MinimumPerArm,
            ["arms"] = m.Arms.Select(a => new Dictionary<string, object?>
            {
                ["arm"] = a.Arm, ["n"] = a.N, ["value"] = a.Value, ["ci_low"] = a.Interval?.Low, ["ci_high"] = a.Interval?.High,
            }),
            ["comparisons"] = m.Comparisons.Select(c => new Dictionary<string, object?>
            {
                ["arm"] = c.Arm,
                ["baseline"] = report.Baseline,
                ["test"] = c.Result.Test == HypothesisTests.WelchName ? "welch_t" : "two_proportion_z",
                ["difference"] = double.IsFinite(c.Result.Difference) ? c.Result.Difference : null,
                ["ci_low"] = c.Result.DifferenceInterval?.Low,
                ["ci_high"] = c.Result.DifferenceInterval?.High,
                ["statistic"] = c.Result.Statistic,
                ["df"] = c.Result.DegreesOfFreedom,
                ["p_value"] = c.Result.PValue,
                ["verdict"] = Verdicts.Json(c.Verdict),
                ["reason"] = c.Result.NotEnoughData,
            }),
        }),
    };
}
