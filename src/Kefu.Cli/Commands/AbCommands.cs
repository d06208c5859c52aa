using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Experiments;

namespace Kefu.Cli.Commands;

/// <summary>`kefu ab report`: the statistics of an A/B test from a file of per-conversation outcomes (docs/experiments.md).</summary>
internal static class AbCommands
{
    public static Command Create()
    {
        var ab = new Command("ab", "A/B tests of model versions");
        ab.Subcommands.Add(Report());
        return ab;
    }

    static Command Report()
    {
        var outcomes = new Option<string>("--outcomes") { Description = "Per-conversation outcomes: JSON lines or CSV with arm, stars, thumbs_up, thumbs_down, handed_off, fallback, response_ms", Required = true };
        var baseline = new Option<string?>("--baseline") { Description = "The arm the others are compared with (default: the first arm in the file)" };
        var arms = new Option<string?>("--arms") { Description = "Comma-separated arm names the file may use; a row naming another arm is an error" };
        var alpha = new Option<double>("--alpha") { Description = "Significance level of the tests; intervals are 1 − alpha", DefaultValueFactory = _ => 0.05 };
        var power = new Option<double>("--power") { Description = "Power for the minimum sample size", DefaultValueFactory = _ => 0.8 };
        var effectStars = new Option<double>("--effect-stars") { Description = "Smallest difference in mean stars worth detecting", DefaultValueFactory = _ => 0.1 };
        var effectRate = new Option<double>("--effect-rate") { Description = "Smallest difference in a rate worth detecting (0.02 = 2 percentage points)", DefaultValueFactory = _ => 0.02 };
        var effectMs = new Option<double>("--effect-ms") { Description = "Smallest difference in mean response time (ms) worth detecting", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("report", "Per-arm means and rates with confidence intervals, Welch's t-test and two-proportion z-tests against the baseline, minimum sample sizes and verdicts");
        foreach (var o in new Option[] { outcomes, baseline, arms, alpha, power, effectStars, effectRate, effectMs, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                string file = parse.GetValue(outcomes)!;
                var allowed = parse.GetValue(arms)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var rows = OutcomeReader.Read(file, allowed, w => error.WriteLine($"warning: {w}"));
                var report = AbReport.Build(rows, new(parse.GetValue(alpha), parse.GetValue(power), parse.GetValue(baseline),
                    parse.GetValue(effectStars), parse.GetValue(effectRate), parse.GetValue(effectMs)));
                if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(Json(file, report), JsonOptions));
                else Print(output, file, report);
                return 0;
            }
            catch (OutcomeFormatException e)
            {
                foreach (var line in e.Errors) error.WriteLine(line);
                error.WriteLine($"{e.Errors.Count} error(s); no report.");
                return 1;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"kefu: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    static object Json(string file, AbReport report) => new Dictionary<string, object?>
    {
        ["outcomes"] = file,
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

    static void Print(TextWriter o, string file, AbReport report)
    {
        string level = F(100 * (1 - report.Alpha), "0.##");
        o.WriteLine($"A/B report of {file}: baseline {report.Baseline}, alpha {F(report.Alpha, "0.###")} ({level}% intervals), power {F(report.Power, "0.##")}");
        o.WriteLine("conversations: " + string.Join(", ", report.Arms.Select(a => $"{a.Arm} {a.Conversations}")));
        int width = Math.Max(8, report.Arms.Max(a => a.Arm.Length) + 2);
        foreach (var m in report.Metrics)
        {
            o.WriteLine();
            o.WriteLine($"{m.Metric.Title}: {(m.Metric.HigherIsBetter ? "higher" : "lower")} is better; {m.Comparisons[0].Result.Test} test");
            o.WriteLine($"  {"arm".PadRight(width)}{"n",8}  {(m.Metric.IsRate ? "rate" : "mean"),10}   {level}% CI");
            foreach (var a in m.Arms)
                o.WriteLine($"  {a.Arm.PadRight(width)}{a.N,8}  {(a.Value is { } v ? Value(m.Metric, v) : "-"),10}   " +
                    (a.Interval is { } i ? $"[{Value(m.Metric, i.Low)}, {Value(m.Metric, i.High)}]" : "-"));
            foreach (var c in m.Comparisons)
            {
                string name = $"{c.Arm} - {report.Baseline}";
                var r = c.Result;
                if (r.NotEnoughData is { } why)
                {
                    o.WriteLine($"  {name}: not enough data: {why}");
                    continue;
                }
                string statistic = r.DegreesOfFreedom is { } df ? $"t = {F(r.Statistic!.Value, "0.###")}, df = {F(df, "0.#")}" : $"z = {F(r.Statistic!.Value, "0.###")}";
                o.WriteLine($"  {name}: {Difference(m.Metric, r.Difference)} [{Difference(m.Metric, r.DifferenceInterval!.Value.Low)}, " +
                    $"{Difference(m.Metric, r.DifferenceInterval.Value.High)}]  {statistic}, p = {P(r.PValue!.Value)}  => {Verdicts.Text(c.Verdict, c.Arm)}");
            }
            o.WriteLine(m.MinimumPerArm is { } n
                ? $"  n per arm to detect a difference of {Difference(m.Metric, m.Metric.Effect).TrimStart('+')}: {n}"
                : "  n per arm: not enough baseline data to estimate");
        }
    }

    static string Value(Metric m, double v) => m.IsRate ? F(100 * v, "0.0") + "%" : F(v, m.Key == "response_ms" ? "0.0" : "0.000");

    static string Difference(Metric m, double d) => m.IsRate ? F(100 * d, "+0.0;-0.0;0.0") + " pp"
        : m.Key == "response_ms" ? F(d, "+0.0;-0.0;0.0") + " ms" : F(d, "+0.000;-0.000;0.000");

    static string P(double p) => p >= 1e-4 ? F(p, "0.0000") : p.ToString("0.0e+0", CultureInfo.InvariantCulture);

    static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
