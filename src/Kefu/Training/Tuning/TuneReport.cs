using System.Globalization;
using System.Net;
using System.Text;

namespace Kefu.Training.Tuning;

/// <summary>
/// tune_report.html: self-contained (no scripts, no external files). An SVG of score by trial — complete trials as dots,
/// pruned ones hollow at their running mean, the baseline as a dashed line, the best so far as a step line — and the table
/// of every trial.
/// </summary>
public static class TuneReport
{
    public static string Html(TuneResult result, SearchSpace space, string projectName)
    {
        var inv = CultureInfo.InvariantCulture;
        var trials = result.Trials.Where(t => t.Number > 0 && t.Score is not null).ToList();
        var all = result.Trials.Where(t => t.Score is not null).Select(t => t.Score!.Value).ToList();
        double lo = all.Count > 0 ? all.Min() : 0, hi = all.Count > 0 ? all.Max() : 1;
        if (hi - lo < 1e-6) { lo -= 0.01; hi += 0.01; }
        double pad = (hi - lo) * 0.08; lo -= pad; hi += pad;
        int n = Math.Max(1, result.Trials.Max(t => t.Number));
        const int W = 720, H = 320, L = 60, R = 20, T = 20, B = 40;
        double X(int number) => L + (W - L - R) * (number / (double)n);
        double Y(double score) => T + (H - T - B) * (1 - (score - lo) / (hi - lo));

        var svg = new StringBuilder();
        svg.Append(inv, $"<svg id=\"score-by-trial\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"score by trial\">");
        svg.Append(inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#444\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#444\"/>");
        for (int k = 0; k <= 4; k++)
        {
            double v = lo + (hi - lo) * k / 4;
            svg.Append(inv, $"<text x=\"{L - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\" font-size=\"11\">{v:F3}</text>");
        }
        svg.Append(inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 8}\" text-anchor=\"middle\" font-size=\"12\">trial</text>");
        if (result.Baseline.Score is { } b)
            svg.Append(inv, $"<line class=\"baseline\" x1=\"{L}\" y1=\"{Y(b):F1}\" x2=\"{W - R}\" y2=\"{Y(b):F1}\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>" +
                $"<text x=\"{W - R}\" y=\"{Y(b) - 5:F1}\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">baseline {b:F4}</text>");
        var best = new StringBuilder();
        double bestSoFar = result.Baseline.Score ?? double.NegativeInfinity;
        foreach (var t in trials)
        {
            if (t.IsComplete && t.Score > bestSoFar) bestSoFar = t.Score.Value;
            if (!double.IsNegativeInfinity(bestSoFar)) best.Append(inv, $"{X(t.Number):F1},{Y(bestSoFar):F1} ");
            string fill = t.IsComplete ? "#1f6feb" : "none";
            svg.Append(inv, $"<circle class=\"trial {t.State}\" data-trial=\"{t.Number}\" data-score=\"{t.Score:F6}\" cx=\"{X(t.Number):F1}\" cy=\"{Y(t.Score!.Value):F1}\" r=\"4\" fill=\"{fill}\" stroke=\"#1f6feb\"><title>trial {t.Number}: {t.Score:F4} ({t.State})</title></circle>");
        }
        if (best.Length > 0) svg.Append($"<polyline class=\"best\" points=\"{best}\" fill=\"none\" stroke=\"#2da44e\" stroke-width=\"2\"/>");
        svg.Append("</svg>");

        var rows = new StringBuilder();
        foreach (var t in result.Trials)
        {
            string values = t.Number == 0 ? "(config.yml as it is)" : string.Join(", ", t.Params.Select(p => $"{p.Key} = {p.Value.GetRawText()}"));
            rows.Append(inv, $"<tr class=\"{t.State}{(t.Number == result.Best.Number ? " best" : "")}\"><td>{t.Number}</td><td>{t.State}</td>" +
                $"<td>{(t.Score is { } s ? s.ToString("F4", inv) : "")}</td><td>{string.Join(" ", t.FoldScores.Select(f => f.ToString("F4", inv)))}</td>" +
                $"<td>{t.Seconds:F1}</td><td>{WebUtility.HtmlEncode(values)}{(t.Error is null ? "" : " — " + WebUtility.HtmlEncode(t.Error))}</td></tr>");
        }
        double gain = (result.Best.Score ?? 0) - (result.Baseline.Score ?? 0);
        return $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>kefu tune: {{WebUtility.HtmlEncode(projectName)}}</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}tr.best{background:#e6ffec}tr.pruned,tr.failed,tr.interrupted{color:#888}</style>
            </head><body>
            <h1>kefu tune: {{WebUtility.HtmlEncode(projectName)}}</h1>
            <p>{{space.Folds}}-fold cross-validated {{space.Metric}}: baseline <b id="baseline">{{result.Baseline.Score?.ToString("F4", inv)}}</b>,
            best <b id="best">{{result.Best.Score?.ToString("F4", inv)}}</b> (trial {{result.Best.Number}}), gain <b id="gain">{{(gain * 100).ToString("+0.00;-0.00;0.00", inv)}}</b> points.</p>
            {{svg}}
            <table><thead><tr><th>trial</th><th>state</th><th>{{space.Metric}}</th><th>folds</th><th>s</th><th>values</th></tr></thead><tbody>
            {{rows}}
            </tbody></table></body></html>
            """;
    }
}
