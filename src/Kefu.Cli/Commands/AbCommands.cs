using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Experiments;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu ab report`: the statistics of an A/B test from a file of per-conversation outcomes, or from the stored
/// conversations of a live experiment (docs/experiments.md); `start`, `stop`, `status`, `promote` are in <see cref="AbLiveCommands"/>.
/// </summary>
internal static class AbCommands
{
    public static Command Create()
    {
        var ab = new Command("ab", "A/B tests of model versions");
        ab.Subcommands.Add(Report());
        foreach (var live in AbLiveCommands.Create()) ab.Subcommands.Add(live);
        return ab;
    }

    static Command Report()
    {
        var outcomes = new Option<string?>("--outcomes") { Description = "Per-conversation outcomes: JSON lines or CSV with arm, stars, thumbs_up, thumbs_down, handed_off, fallback, response_ms" };
        var project = new Option<string?>("--project") { Description = "Report a live experiment of this project from its stored conversations (the default, with the current folder, when --outcomes is not given)" };
        var db = AbLiveCommands.Db();
        var experiment = new Option<string?>("--experiment") { Description = "The live experiment to report (default: the running one, else the last)" };
        var baseline = new Option<string?>("--baseline") { Description = "The arm the others are compared with (default: the first arm in the file)" };
        var arms = new Option<string?>("--arms") { Description = "Comma-separated arm names the file may use; a row naming another arm is an error" };
        var alpha = new Option<double>("--alpha") { Description = "Significance level of the tests; intervals are 1 − alpha", DefaultValueFactory = _ => 0.05 };
        var power = new Option<double>("--power") { Description = "Power for the minimum sample size", DefaultValueFactory = _ => 0.8 };
        var effectStars = new Option<double>("--effect-stars") { Description = "Smallest difference in mean stars worth detecting", DefaultValueFactory = _ => 0.1 };
        var effectRate = new Option<double>("--effect-rate") { Description = "Smallest difference in a rate worth detecting (0.02 = 2 percentage points)", DefaultValueFactory = _ => 0.02 };
        var effectMs = new Option<double>("--effect-ms") { Description = "Smallest difference in mean response time (ms) worth detecting", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("report", "Per-arm means and rates with confidence intervals, Welch's t-test and two-proportion z-tests against the baseline, minimum sample sizes and verdicts");
        foreach (var o in new Option[] { outcomes, project, db, experiment, baseline, arms, alpha, power, effectStars, effectRate, effectMs, json }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                if (parse.GetValue(outcomes) is null)
                {
                    if (parse.GetValue(baseline) is not null || parse.GetValue(arms) is not null)
                        throw new ArgumentException("--baseline and --arms are for an outcomes file; a live experiment's baseline is its arm A");
                    string dir = parse.GetValue(project) ?? ".";
                    var live = AbLiveCommands.Experiment(dir, parse.GetValue(experiment));
                    var liveReport = await AbLiveCommands.ReportAsync(dir, parse.GetValue(db), live, ct, new(parse.GetValue(alpha), parse.GetValue(power), null,
                        parse.GetValue(effectStars), parse.GetValue(effectRate), parse.GetValue(effectMs)));
                    string label = $"experiment {live.Name} ({LiveExperiments.Describe(live)}{(live.Running ? ", running" : "")})";
                    if (parse.GetValue(json))
                    {
                        var document = new Dictionary<string, object?>
                        {
                            ["experiment"] = live.Name,
                            ["running"] = live.Running,
                            ["versions"] = live.Arms.ToDictionary(a => a.Name, a => a.Version),
                            ["winner"] = LiveExperiments.Winner(liveReport, LiveExperiments.B),
                        };
                        foreach (var (key, value) in AbReportJson.Of(liveReport)) document[key] = value;
                        output.WriteLine(JsonSerializer.Serialize(document, JsonOptions));
                    }
                    else Print(output, label, liveReport);
                    return 0;
                }
                if (parse.GetValue(project) is not null || parse.GetValue(db) is not null || parse.GetValue(experiment) is not null)
                    throw new ArgumentException("--outcomes reads a file; --project, --db and --experiment read a live experiment: give one or the other");
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
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or Kefu.Server.Storage.ConversationStoreException)
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

    static object Json(string file, AbReport report)
    {
        var json = new Dictionary<string, object?> { ["outcomes"] = file };
        foreach (var (key, value) in AbReportJson.Of(report)) json[key] = value;
        return json;
    }

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
