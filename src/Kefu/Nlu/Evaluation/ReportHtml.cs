using System.Globalization;
using System.Net;
using System.Text;

namespace Kefu.Nlu.Evaluation;

/// <summary>What report.html shows: an evaluation, a comparison of configs, or both; Notes say where the figures came from.</summary>
public sealed record ReportPage(string Title, IReadOnlyList<string> Notes, NluTestReport? Report = null, NluComparison? Comparison = null,
    IReadOnlyList<(double Accuracy, double WeightedF1)>? Folds = null);

/// <summary>
/// report.html: one self-contained page (no scripts, no external CSS or fonts) with inline SVG charts — the per-intent
/// F1 bars, the confusion matrix heat map, the confidence histogram and, for several configs, score against training
/// examples. The heat map's cells carry data-row, data-col and data-count so a test can read the matrix back from
/// the DOM; rows are gold intents and columns predicted ones, in intent_confusion_matrix.json's order.
/// </summary>
public static class ReportHtml
{
    const int MaxErrorsShown = 1000;
    static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(ReportPage page)
    {
        var h = new StringBuilder(1 << 16);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(page.Title)).Append("</title>\n<style>")
         .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{font-size:18px;margin-top:32px}")
         .Append("table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}")
         .Append("td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}.text{text-align:left;max-width:560px}")
         .Append(".figures span{display:inline-block;margin-right:28px;font-size:15px}.figures b{font-size:22px;display:block}")
         .Append("svg text{font-family:system-ui,sans-serif}.note{color:#555}.scroll{overflow:auto;max-width:100%}")
         .Append("</style></head><body>\n<h1>").Append(E(page.Title)).Append("</h1>\n");
        foreach (var note in page.Notes) h.Append("<p class=\"note\">").Append(E(note)).Append("</p>\n");
        if (page.Report is { } report) Evaluation(h, report, page.Folds);
        if (page.Comparison is { } comparison) Comparison(h, comparison);
        h.Append("</body></html>\n");
        return h.ToString();
    }

    static void Evaluation(StringBuilder h, NluTestReport r, IReadOnlyList<(double Accuracy, double WeightedF1)>? folds)
    {
        var c = r.Intents;
        h.Append("<section id=\"summary\" class=\"figures\"><span>accuracy<b>").Append(F(c.ExampleAccuracy)).Append("</b></span>")
         .Append("<span>macro F1<b>").Append(F(c.MacroAvg.F1)).Append("</b></span>")
         .Append("<span>weighted F1<b>").Append(F(c.WeightedAvg.F1)).Append("</b></span>")
         .Append("<span>test examples<b>").Append(c.Count).Append("</b></span>")
         .Append("<span>errors<b>").Append(r.Errors.Count).Append("</b></span></section>\n");
        if (folds is { Count: > 0 })
        {
            h.Append("<h2>Cross-validation folds</h2><table id=\"folds\"><tr><th>fold</th><th>accuracy</th><th>weighted F1</th></tr>");
            for (int i = 0; i < folds.Count; i++)
                h.Append("<tr><td>").Append(i + 1).Append("</td><td>").Append(F(folds[i].Accuracy)).Append("</td><td>").Append(F(folds[i].WeightedF1)).Append("</td></tr>");
            double mean = folds.Average(f => f.Accuracy), std = Math.Sqrt(folds.Average(f => (f.Accuracy - mean) * (f.Accuracy - mean)));
            h.Append("<tr><th>mean ± std</th><th>").Append(F(mean)).Append(" ± ").Append(F(std)).Append("</th><th>")
             .Append(F(folds.Average(f => f.WeightedF1))).Append("</th></tr></table>\n");
        }

        h.Append("<h2>F1 per intent (lowest first)</h2>\n");
        F1Bars(h, c);
        h.Append("<h2>Confusion matrix</h2>\n<p class=\"note\">Rows: gold intent; columns: predicted intent; darker is more (log scale). ")
         .Append("Hover a cell for its count.</p>\n<div class=\"scroll\">");
        ConfusionMatrix(h, c);
        h.Append("</div>\n<h2>Confidence of predictions</h2>\n");
        Histogram(h, r);

        h.Append("<h2>Intents</h2>\n<table id=\"intents\"><tr><th>intent</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th class=\"text\">confused with</th></tr>\n");
        foreach (var label in c.Labels)
        {
            var s = c.PerLabel[label];
            h.Append("<tr><td>").Append(E(label)).Append("</td><td>").Append(F(s.Precision)).Append("</td><td>").Append(F(s.Recall))
             .Append("</td><td>").Append(F(s.F1)).Append("</td><td>").Append(s.Support).Append("</td><td class=\"text\">")
             .Append(E(string.Join(", ", c.ConfusedWith.TryGetValue(label, out var wrong) ? wrong.Select(p => $"{p.Key} ({p.Value})") : [])))
             .Append("</td></tr>\n");
        }
        AverageRow(h, "macro avg", c.MacroAvg);
        AverageRow(h, "weighted avg", c.WeightedAvg);
        h.Append("</table>\n");

        h.Append("<h2>Errors (most confident first)</h2>\n");
        if (r.Errors.Count == 0) h.Append("<p>Every intent was predicted correctly.</p>\n");
        else
        {
            h.Append("<table id=\"errors\"><tr><th class=\"text\">text</th><th>gold intent</th><th>predicted intent</th><th>confidence</th></tr>\n");
            foreach (var e in r.Errors.Take(MaxErrorsShown))
                h.Append("<tr><td class=\"text\">").Append(E(e.Text)).Append("</td><td>").Append(E(e.Gold)).Append("</td><td>")
                 .Append(E(e.Predicted)).Append("</td><td>").Append(F(e.Confidence)).Append("</td></tr>\n");
            h.Append("</table>\n");
            if (r.Errors.Count > MaxErrorsShown)
                h.Append("<p class=\"note\">").Append(r.Errors.Count - MaxErrorsShown).Append(" more in intent_errors.json.</p>\n");
        }

        foreach (var entity in r.Entities)
        {
            var er = entity.Report;
            h.Append("<h2>Entities: ").Append(E(entity.Extractor)).Append(" (token level)</h2>\n<table class=\"entities\"><tr><th>entity</th><th>precision</th>")
             .Append("<th>recall</th><th>F1</th><th>support</th></tr>\n");
            foreach (var label in er.Labels)
            {
                var s = er.PerLabel[label];
                h.Append("<tr><td>").Append(E(label)).Append("</td><td>").Append(F(s.Precision)).Append("</td><td>").Append(F(s.Recall))
                 .Append("</td><td>").Append(F(s.F1)).Append("</td><td>").Append(s.Support).Append("</td></tr>\n");
            }
            if (er.MicroAvg is { } micro) AverageRow(h, "micro avg", micro);
            AverageRow(h, "macro avg", er.MacroAvg);
            AverageRow(h, "weighted avg", er.WeightedAvg);
            h.Append("</table>\n<p class=\"note\">").Append(entity.Errors.Count).Append(" messages with a wrongly labelled token; see ")
             .Append(E(entity.Extractor)).Append("_errors.json.</p>\n");
        }
    }

    static void AverageRow(StringBuilder h, string name, LabelScores s) =>
        h.Append("<tr><th>").Append(name).Append("</th><th>").Append(F(s.Precision)).Append("</th><th>").Append(F(s.Recall))
         .Append("</th><th>").Append(F(s.F1)).Append("</th><th>").Append(s.Support).Append("</th></tr>\n");

    static int LabelWidth(IEnumerable<string> labels) => Math.Min(360, 12 + (int)(6.6 * labels.Select(l => l.Length).DefaultIfEmpty(4).Max()));

    static void F1Bars(StringBuilder h, ClassificationReport c)
    {
        var labels = c.Labels.OrderBy(l => c.PerLabel[l].F1).ThenBy(l => l, StringComparer.Ordinal).ToList();
        int left = LabelWidth(labels), bar = 14, width = 420, top = 20;
        int height = top + labels.Count * bar + 10;
        h.Append("<svg id=\"f1-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(left + width + 60).Append("\" height=\"").Append(height).Append("\">");
        for (int t = 0; t <= 4; t++)
        {
            double x = left + width * t / 4.0;
            h.Append("<line x1=\"").Append(N(x)).Append("\" y1=\"").Append(top - 4).Append("\" x2=\"").Append(N(x)).Append("\" y2=\"").Append(height - 10)
             .Append("\" stroke=\"#ddd\"/><text x=\"").Append(N(x)).Append("\" y=\"12\" font-size=\"11\" text-anchor=\"middle\">").Append(N(t / 4.0)).Append("</text>");
        }
        for (int i = 0; i < labels.Count; i++)
        {
            double f1 = c.PerLabel[labels[i]].F1;
            int y = top + i * bar;
            h.Append("<text x=\"").Append(left - 6).Append("\" y=\"").Append(y + 10).Append("\" font-size=\"11\" text-anchor=\"end\">").Append(E(labels[i])).Append("</text>")
             .Append("<rect class=\"bar\" data-label=\"").Append(E(labels[i])).Append("\" data-f1=\"").Append(N(f1)).Append("\" x=\"").Append(left)
             .Append("\" y=\"").Append(y + 2).Append("\" width=\"").Append(N(width * f1)).Append("\" height=\"").Append(bar - 4)
             .Append("\" fill=\"").Append(f1 < 0.5 ? "#d62728" : f1 < 0.8 ? "#ff7f0e" : "#2ca02c").Append("\"/>")
             .Append("<text x=\"").Append(N(left + width * f1 + 4)).Append("\" y=\"").Append(y + 10).Append("\" font-size=\"10\">").Append(F(f1)).Append("</text>");
        }
        h.Append("</svg>\n");
    }

    static void ConfusionMatrix(StringBuilder h, ClassificationReport c)
    {
        var labels = c.MatrixLabels;
        int n = labels.Count;
        int cell = Math.Clamp(900 / Math.Max(1, n), 6, 28);
        int left = LabelWidth(labels), top = LabelWidth(labels);
        int max = c.Confusion.SelectMany(r => r).DefaultIfEmpty(0).Max();
        double logMax = Math.Log(1 + Math.Max(1, max));
        int fontSize = Math.Clamp(cell - 2, 6, 12);
        h.Append("<svg id=\"confusion-matrix\" xmlns=\"http://www.w3.org/2000/svg\" data-size=\"").Append(n).Append("\" width=\"").Append(left + n * cell + 10)
         .Append("\" height=\"").Append(top + n * cell + 10).Append("\">");
        for (int i = 0; i < n; i++)
        {
            h.Append("<text class=\"row-label\" data-index=\"").Append(i).Append("\" x=\"").Append(left - 4).Append("\" y=\"").Append(N(top + i * cell + cell * 0.75))
             .Append("\" font-size=\"").Append(fontSize).Append("\" text-anchor=\"end\">").Append(E(labels[i])).Append("</text>");
            double x = left + i * cell + cell * 0.75;
            h.Append("<text class=\"col-label\" data-index=\"").Append(i).Append("\" x=\"").Append(N(x)).Append("\" y=\"").Append(top - 4)
             .Append("\" font-size=\"").Append(fontSize).Append("\" transform=\"rotate(-90 ").Append(N(x)).Append(' ').Append(top - 4).Append(")\">")
             .Append(E(labels[i])).Append("</text>");
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int count = c.Confusion[i][j];
                double t = count == 0 ? 0 : Math.Log(1 + count) / logMax;
                h.Append("<rect class=\"cell\" data-row=\"").Append(i).Append("\" data-col=\"").Append(j).Append("\" data-count=\"").Append(count)
                 .Append("\" x=\"").Append(left + j * cell).Append("\" y=\"").Append(top + i * cell).Append("\" width=\"").Append(cell).Append("\" height=\"").Append(cell)
                 .Append("\" fill=\"").Append(Blue(t, i == j)).Append("\" stroke=\"#eee\" stroke-width=\"0.5\"");
                if (count == 0) { h.Append("/>"); continue; }
                h.Append("><title>").Append(E(labels[i])).Append(" → ").Append(E(labels[j])).Append(": ").Append(count).Append("</title></rect>");
                if (cell >= 18)
                    h.Append("<text x=\"").Append(N(left + j * cell + cell / 2.0)).Append("\" y=\"").Append(N(top + i * cell + cell * 0.7))
                     .Append("\" font-size=\"").Append(fontSize - 2).Append("\" text-anchor=\"middle\" fill=\"").Append(t > 0.55 ? "#fff" : "#000")
                     .Append("\" pointer-events=\"none\">").Append(count).Append("</text>");
            }
        h.Append("</svg>\n");
    }

    /// <summary>White to dark blue (#08306b); wrong cells (off the diagonal) in red tones so confusions stand out.</summary>
    static string Blue(double t, bool diagonal)
    {
        if (t == 0) return "#ffffff";
        var (r, g, b) = diagonal ? (8, 48, 107) : (165, 15, 21);
        double k = 0.15 + 0.85 * t;
        return $"rgb({(int)(255 - (255 - r) * k)},{(int)(255 - (255 - g) * k)},{(int)(255 - (255 - b) * k)})";
    }

    static void Histogram(StringBuilder h, NluTestReport r)
    {
        int bins = NluTestReport.HistogramBins, left = 50, top = 20, width = 640, height = 240;
        int max = Math.Max(1, r.HistogramCorrect.Concat(r.HistogramWrong).Max());
        double bw = width / (double)bins;
        h.Append("<svg id=\"confidence-histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(left + width + 150).Append("\" height=\"").Append(top + height + 40).Append("\">");
        Axes(h, left, top, width, height, max, "confidence", "examples");
        for (int b = 0; b < bins; b++)
        {
            foreach (var (counts, offset, color, kind) in new[] { (r.HistogramCorrect, 0.08, "#009292", "correct"), (r.HistogramWrong, 0.5, "#920000", "wrong") })
            {
                double bh = height * counts[b] / (double)max;
                h.Append("<rect class=\"hist-").Append(kind).Append("\" data-bin=\"").Append(b).Append("\" data-count=\"").Append(counts[b]).Append("\" x=\"")
                 .Append(N(left + b * bw + bw * offset)).Append("\" y=\"").Append(N(top + height - bh)).Append("\" width=\"").Append(N(bw * 0.42))
                 .Append("\" height=\"").Append(N(bh)).Append("\" fill=\"").Append(color).Append("\"><title>").Append(kind).Append(' ')
                 .Append(N(b / (double)bins)).Append('–').Append(N((b + 1) / (double)bins)).Append(": ").Append(counts[b]).Append("</title></rect>");
            }
        }
        for (int t = 0; t <= 10; t += 2)
            h.Append("<text x=\"").Append(N(left + width * t / 10.0)).Append("\" y=\"").Append(top + height + 16).Append("\" font-size=\"11\" text-anchor=\"middle\">").Append(N(t / 10.0)).Append("</text>");
        Legend(h, left + width + 16, top, [("correct", "#009292"), ("wrong", "#920000")]);
        h.Append("</svg>\n");
    }

    static void Comparison(StringBuilder h, NluComparison c)
    {
        h.Append("<h2>Configs compared: weighted F1 of intents against training examples</h2>\n<p class=\"note\">Each point is the mean over ")
         .Append(c.F1[0].Length).Append(" run(s) of training with a share of the training data left out (")
         .Append(E(string.Join(", ", c.Percentages.Select(p => p + "%")))).Append("); bars show ± one standard deviation.</p>\n");
        var x = Enumerable.Range(0, c.Percentages.Count).Select(p => c.TrainingExamples.Average(run => run[p])).ToArray();
        var stats = c.F1.Select(NluComparison.MeanStd).ToArray();
        double xMin = x.Min(), xMax = Math.Max(x.Max(), xMin + 1);
        double yMin = Math.Max(0, Math.Floor(stats.Min(s => s.Mean.Zip(s.Std, (m, d) => m - d).Min()) * 10) / 10), yMax = 1;
        int left = 50, top = 20, width = 640, height = 300;
        double X(double v) => left + width * (v - xMin) / (xMax - xMin);
        double Y(double v) => top + height - height * (v - yMin) / (yMax - yMin);
        h.Append("<svg id=\"nlu-model-comparison-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(left + width + 220).Append("\" height=\"").Append(top + height + 44).Append("\">");
        h.Append("<line x1=\"").Append(left).Append("\" y1=\"").Append(top + height).Append("\" x2=\"").Append(left + width).Append("\" y2=\"").Append(top + height).Append("\" stroke=\"#333\"/>")
         .Append("<line x1=\"").Append(left).Append("\" y1=\"").Append(top).Append("\" x2=\"").Append(left).Append("\" y2=\"").Append(top + height).Append("\" stroke=\"#333\"/>");
        for (int t = 0; t <= 5; t++)
        {
            double v = yMin + (yMax - yMin) * t / 5;
            h.Append("<text x=\"").Append(left - 6).Append("\" y=\"").Append(N(Y(v) + 4)).Append("\" font-size=\"11\" text-anchor=\"end\">").Append(N(v)).Append("</text>")
             .Append("<line x1=\"").Append(left).Append("\" y1=\"").Append(N(Y(v))).Append("\" x2=\"").Append(left + width).Append("\" y2=\"").Append(N(Y(v))).Append("\" stroke=\"#eee\"/>");
        }
        foreach (double v in x.Distinct())
            h.Append("<text x=\"").Append(N(X(v))).Append("\" y=\"").Append(top + height + 16).Append("\" font-size=\"11\" text-anchor=\"middle\">").Append(N(Math.Round(v))).Append("</text>");
        h.Append("<text x=\"").Append(left + width / 2).Append("\" y=\"").Append(top + height + 36).Append("\" font-size=\"12\" text-anchor=\"middle\">training examples</text>");
        for (int k = 0; k < c.Configs.Count; k++)
        {
            string color = Palette[k % Palette.Length];
            var (mean, std) = stats[k];
            h.Append("<polyline class=\"config-line\" data-config=\"").Append(E(c.Configs[k])).Append("\" fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"2\" points=\"")
             .Append(string.Join(' ', x.Select((v, p) => N(X(v)) + "," + N(Y(mean[p]))))).Append("\"/>");
            for (int p = 0; p < x.Length; p++)
                h.Append("<line x1=\"").Append(N(X(x[p]))).Append("\" y1=\"").Append(N(Y(Math.Min(yMax, mean[p] + std[p])))).Append("\" x2=\"").Append(N(X(x[p])))
                 .Append("\" y2=\"").Append(N(Y(Math.Max(yMin, mean[p] - std[p])))).Append("\" stroke=\"").Append(color).Append("\"/>")
                 .Append("<circle class=\"point\" data-config=\"").Append(E(c.Configs[k])).Append("\" data-f1=\"").Append(N(mean[p])).Append("\" cx=\"").Append(N(X(x[p])))
                 .Append("\" cy=\"").Append(N(Y(mean[p]))).Append("\" r=\"3.5\" fill=\"").Append(color).Append("\"><title>").Append(E(c.Configs[k])).Append(", ")
                 .Append(N(Math.Round(x[p]))).Append(" examples: F1 ").Append(F(mean[p])).Append(" ± ").Append(F(std[p])).Append("</title></circle>");
        }
        Legend(h, left + width + 16, top, c.Configs.Select((name, k) => (name, Palette[k % Palette.Length])).ToList());
        h.Append("</svg>\n<table id=\"comparison\"><tr><th>config</th>");
        foreach (int p in c.Percentages) h.Append("<th>").Append(p).Append("% left out</th>");
        h.Append("</tr>\n");
        for (int k = 0; k < c.Configs.Count; k++)
        {
            h.Append("<tr><td>").Append(E(c.Configs[k])).Append("</td>");
            for (int p = 0; p < c.Percentages.Count; p++) h.Append("<td>").Append(F(stats[k].Mean[p])).Append(" ± ").Append(F(stats[k].Std[p])).Append("</td>");
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
    }

    static void Axes(StringBuilder h, int left, int top, int width, int height, int max, string xName, string yName)
    {
        h.Append("<line x1=\"").Append(left).Append("\" y1=\"").Append(top + height).Append("\" x2=\"").Append(left + width).Append("\" y2=\"").Append(top + height).Append("\" stroke=\"#333\"/>")
         .Append("<line x1=\"").Append(left).Append("\" y1=\"").Append(top).Append("\" x2=\"").Append(left).Append("\" y2=\"").Append(top + height).Append("\" stroke=\"#333\"/>")
         .Append("<text x=\"").Append(left + width / 2).Append("\" y=\"").Append(top + height + 34).Append("\" font-size=\"12\" text-anchor=\"middle\">").Append(xName).Append("</text>")
         .Append("<text x=\"12\" y=\"").Append(top + height / 2).Append("\" font-size=\"12\" transform=\"rotate(-90 12 ").Append(top + height / 2).Append(")\" text-anchor=\"middle\">")
         .Append(yName).Append("</text>");
        for (int t = 0; t <= 4; t++)
        {
            double y = top + height - height * t / 4.0;
            h.Append("<text x=\"").Append(left - 6).Append("\" y=\"").Append(N(y + 4)).Append("\" font-size=\"11\" text-anchor=\"end\">").Append(N(Math.Round(max * t / 4.0))).Append("</text>");
        }
    }

    static void Legend(StringBuilder h, int x, int y, IReadOnlyList<(string Name, string Color)> items)
    {
        for (int i = 0; i < items.Count; i++)
            h.Append("<rect x=\"").Append(x).Append("\" y=\"").Append(y + i * 18).Append("\" width=\"12\" height=\"12\" fill=\"").Append(items[i].Color).Append("\"/>")
             .Append("<text x=\"").Append(x + 18).Append("\" y=\"").Append(y + i * 18 + 10).Append("\" font-size=\"12\">").Append(E(items[i].Name)).Append("</text>");
    }

    static string E(string text) => WebUtility.HtmlEncode(text);
    static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
    static string N(double v) => Math.Round(v, 2).ToString(CultureInfo.InvariantCulture);
}
