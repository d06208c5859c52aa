using System.Collections;
using System.Diagnostics;
using System.Text.Json;
using Kefu.Nlu.Evaluation;
using Kefu.Server.Tests.Browser;
using Xunit.Abstractions;

namespace Kefu.Tests.Nlu;

/// <summary>
/// report.html in headless Chromium: a banking77-sized report (77 intents, 3,080 test messages) renders, loads nothing
/// from outside, and the confusion matrix drawn in the page is the one in the JSON files. The render time is printed, not
/// asserted: speed targets are benchmarks (docs/benchmarks.md; <see cref="Measure_the_render_time_of_a_given_report"/>
/// measures a real report on demand), and a shared CI machine would make a timed test flaky.
/// </summary>
[Collection(nameof(ReportHtmlBrowserTests))]
public sealed class ReportHtmlBrowserTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("kefu-report-html-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>77 intents × 40 messages; about one in ten predicted as a nearby intent, with made-up confidences.</summary>
    static NluEvaluation Banking77Sized()
    {
        var random = new Random(77);
        var labels = Enumerable.Range(0, 77).Select(i => $"intent_{i:00}_{new string('x', i % 23)}").ToArray();
        var results = new List<IntentResult>();
        for (int k = 0; k < labels.Length; k++)
            for (int n = 0; n < 40; n++)
            {
                bool right = random.NextDouble() < 0.9;
                string predicted = right ? labels[k] : labels[(k + 1 + random.Next(3)) % labels.Length];
                results.Add(new IntentResult($"message {k}-{n} <b>&amp;</b>", labels[k], predicted, right ? 0.6 + 0.4 * random.NextDouble() : random.NextDouble()));
            }
        return new NluEvaluation(results, [], null);
    }

    /// <summary>
    /// Opens report.html in a fresh headless Chromium and returns the milliseconds from navigation start to a laid-out
    /// page (reading a layout figure forces layout).
    /// </summary>
    static double Render(OpenQA.Selenium.Chrome.ChromeDriver driver, string page)
    {
        driver.Navigate().GoToUrl("about:blank");
        driver.Navigate().GoToUrl(new Uri(Path.GetFullPath(page)).AbsoluteUri);
        return Convert.ToDouble(driver.ExecuteScript("document.body.getBoundingClientRect(); return performance.now();"));
    }

    /// <summary>The render time of a report written by `kefu test nlu` (docs/benchmarks.md): KEFU_REPORT_HTML=path.</summary>
    [ReportFileFact]
    public void Measure_the_render_time_of_a_given_report()
    {
        string page = Environment.GetEnvironmentVariable("KEFU_REPORT_HTML")!;
        using var driver = Chromium.Start(Path.Combine(folder, "profile"), 1400, 1000);
        var times = Enumerable.Range(0, 3).Select(_ => Render(driver, page)).ToList();
        output.WriteLine($"{page} ({new FileInfo(page).Length / 1024} KiB): rendered in {string.Join(", ", times.Select(t => $"{t:F0}"))} ms");
        Assert.True(times.Min() < 2000, $"{times.Min():F0} ms at best");
    }

    [BrowserFact]
    public void A_banking77_sized_report_renders_and_draws_the_json_confusion_matrix()
    {
        var report = NluTestReport.From(Banking77Sized());
        report.WriteFiles(folder);
        string page = Path.Combine(folder, "report.html");
        File.WriteAllText(page, ReportHtml.Render(new ReportPage("banking77-sized", ["synthetic"], report)));

        using var driver = Chromium.Start(Path.Combine(folder, "profile"), 1400, 1000);
        var clock = Stopwatch.StartNew();
        var times = Enumerable.Range(0, 3).Select(_ => Render(driver, page)).ToList();
        output.WriteLine($"report.html {new FileInfo(page).Length / 1024} KiB: rendered in {string.Join(", ", times.Select(t => $"{t:F0}"))} ms " +
            $"after navigation start ({clock.ElapsedMilliseconds} ms for the three round trips)");

        Assert.Equal(0L, driver.ExecuteScript("return performance.getEntriesByType('resource').length + document.querySelectorAll('script, link, img, iframe').length;"));
        Assert.True(Convert.ToDouble(driver.ExecuteScript("return document.getElementById('confusion-matrix').getBoundingClientRect().width;")) > 77 * 6);

        var labels = ((IEnumerable)driver.ExecuteScript(
            "return Array.from(document.querySelectorAll('#confusion-matrix text.row-label')).map(t => t.textContent);")!).Cast<string>().ToList();
        var cells = ((IEnumerable)driver.ExecuteScript(
            "return Array.from(document.querySelectorAll('#confusion-matrix rect.cell')).map(r => [+r.dataset.row, +r.dataset.col, +r.dataset.count]);")!)
            .Cast<IEnumerable>().Select(c => c.Cast<object>().Select(Convert.ToInt32).ToArray()).ToList();
        var drawn = new int[labels.Count][];
        for (int i = 0; i < labels.Count; i++) drawn[i] = new int[labels.Count];
        foreach (var c in cells) drawn[c[0]][c[1]] = c[2];
        Assert.Equal(77 * 77, cells.Count);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "intent_confusion_matrix.json")));
        Assert.Equal(json.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!), labels);
        var matrix = json.RootElement.GetProperty("matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(matrix, drawn);
        Assert.Contains(drawn.SelectMany((row, i) => row.Where((_, j) => j != i)), n => n > 0); // some confusions are drawn

        // Each row of the drawn matrix adds up to the intent's support in intent_report.json.
        using var intentReport = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "intent_report.json")));
        for (int i = 0; i < labels.Count; i++)
            Assert.Equal(intentReport.RootElement.GetProperty(labels[i]).GetProperty("support").GetInt32(), drawn[i].Sum());

        // The F1 bars and the histogram are drawn too, one bar per intent and every message in a bin.
        Assert.Equal(77L, driver.ExecuteScript("return document.querySelectorAll('#f1-bars rect.bar').length;"));
        Assert.Equal((long)report.Results.Count, driver.ExecuteScript(
            "return Array.from(document.querySelectorAll('#confidence-histogram rect')).filter(r => r.dataset.count).reduce((s, r) => s + +r.dataset.count, 0);"));
    }
}

/// <summary>Runs only when KEFU_REPORT_HTML names a report.html and Chromium is installed.</summary>
public sealed class ReportFileFactAttribute : FactAttribute
{
    public ReportFileFactAttribute()
    {
        if (Chromium.MissingReason is { } reason) Skip = "browser test skipped: " + reason;
        else if (Environment.GetEnvironmentVariable("KEFU_REPORT_HTML") is not { } path || !File.Exists(path))
            Skip = "measurement only: set KEFU_REPORT_HTML to a report.html written by `kefu test nlu`";
    }
}

[CollectionDefinition(nameof(ReportHtmlBrowserTests), DisableParallelization = true)]
public sealed class ReportHtmlBrowserCollection;
