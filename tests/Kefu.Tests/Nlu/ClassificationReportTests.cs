using System.Text.Json;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Nlu;

/// <summary>
/// The figures of intent_report.json and the entity reports are scikit-learn's classification_report; these tests
/// compare every number with sklearn itself (run through python3) and with figures worked out by hand.
/// </summary>
public class ClassificationReportTests
{
    [Fact]
    public void Hand_worked_report_with_a_never_predicted_and_a_never_gold_label()
    {
        // gold a a a b b c; predicted a a b b d d. d is never gold, c never predicted.
        var report = ClassificationReport.Compute(["a", "a", "a", "b", "b", "c"], ["a", "a", "b", "b", "d", "d"]);
        Assert.Equal(["a", "b", "c", "d"], report.Labels);
        Assert.Equal(new LabelScores(1, 2 / 3.0, 0.8, 3), report.PerLabel["a"]);
        Assert.Equal(new LabelScores(0.5, 0.5, 0.5, 2), report.PerLabel["b"]);
        Assert.Equal(new LabelScores(0, 0, 0, 1), report.PerLabel["c"]);
        Assert.Equal(new LabelScores(0, 0, 0, 0), report.PerLabel["d"]);
        Assert.Equal(0.5, report.Accuracy!.Value, 12);
        Assert.Null(report.MicroAvg);
        Assert.Equal(0.375, report.MacroAvg.Precision, 12);
        Assert.Equal(0.325, report.MacroAvg.F1, 12);
        Assert.Equal((0.8 * 3 + 0.5 * 2) / 6, report.WeightedAvg.F1, 12);
        Assert.Equal(6, report.WeightedAvg.Support);
        Assert.Equal([2, 1, 0, 0], report.Confusion[0]);
        Assert.Equal(new Dictionary<string, int> { ["b"] = 1 }, report.ConfusedWith["a"]);
        Assert.Equal(new Dictionary<string, int> { ["d"] = 1 }, report.ConfusedWith["c"]);
    }

    [Fact]
    public void Given_labels_that_leave_some_out_give_a_micro_avg_row_instead_of_accuracy()
    {
        var report = ClassificationReport.Compute(["x", "no_entity", "y", "no_entity"], ["x", "x", "no_entity", "no_entity"], ["x", "y"], "no_entity");
        Assert.Null(report.Accuracy);
        Assert.Equal(new LabelScores(0.5, 0.5, 0.5, 2), report.MicroAvg);
        Assert.DoesNotContain("no_entity", report.ConfusedWith["y"].Keys);
    }

    [SklearnFact]
    public void Every_figure_equals_sklearn_classification_report()
    {
        var random = new Random(7);
        var labels = Enumerable.Range(0, 12).Select(i => $"intent_{i:00}").ToArray();
        var gold = new List<string>();
        var predicted = new List<string>();
        for (int i = 0; i < 400; i++)
        {
            string g = labels[random.Next(11)];                    // intent_11 is never gold
            string p = random.NextDouble() < 0.7 ? g : labels[random.Next(12)];
            if (g == "intent_03") p = "intent_04";                // intent_03 is never predicted
            gold.Add(g);
            predicted.Add(p);
        }
        Compare(gold, predicted, null);
        // Rasa's entity reports: the gold labels without no_entity.
        var entityGold = gold.Select(g => g is "intent_00" or "intent_01" ? "no_entity" : g).ToList();
        Compare(entityGold, predicted, entityGold.Where(l => l != "no_entity").Distinct().Order(StringComparer.Ordinal).ToList());
    }

    static void Compare(List<string> gold, List<string> predicted, List<string>? labels)
    {
        var report = ClassificationReport.Compute(gold, predicted, labels);
        using var ours = JsonDocument.Parse(Json(report));
        using var theirs = JsonDocument.Parse(Sklearn.Report(gold, predicted, labels));
        var expected = theirs.RootElement.GetProperty("report");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), ours.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var row in expected.EnumerateObject())
        {
            var mine = ours.RootElement.GetProperty(row.Name);
            if (row.Value.ValueKind == JsonValueKind.Number)
            {
                Assert.Equal(row.Value.GetDouble(), mine.GetDouble(), 12);
                continue;
            }
            foreach (var field in row.Value.EnumerateObject())
                Assert.True(Math.Abs(field.Value.GetDouble() - mine.GetProperty(field.Name).GetDouble()) < 1e-12,
                    $"{row.Name}.{field.Name}: sklearn {field.Value.GetDouble()}, Kefu {mine.GetProperty(field.Name).GetDouble()}");
        }
        var matrix = theirs.RootElement.GetProperty("matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(theirs.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()), report.MatrixLabels);
        Assert.Equal(matrix, report.Confusion);
    }

    static string Json(ClassificationReport report)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) report.WriteJson(w, confusedWith: false);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>scikit-learn through python3 (Debian's python3-sklearn; scripts/ci-deps.sh installs it).</summary>
internal static class Sklearn
{
    /// <summary>The first python with sklearn: python3 on PATH, else Debian's /usr/bin/python3 (PATH may hold a pyenv shim without it).</summary>
    public static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => PythonScript.TryRun(p, "import sklearn", null, out _)));

    public static string Report(IReadOnlyList<string> gold, IReadOnlyList<string> predicted, IReadOnlyList<string>? labels)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, JsonSerializer.Serialize(new { gold, predicted, labels }));
            const string script = """
                import json, sys
                from sklearn.metrics import classification_report, confusion_matrix
                from sklearn.utils.multiclass import unique_labels
                d = json.load(open(sys.argv[1]))
                r = classification_report(d["gold"], d["predicted"], labels=d["labels"], output_dict=True, zero_division=0)
                print(json.dumps({"report": r, "labels": list(unique_labels(d["gold"], d["predicted"])),
                                  "matrix": confusion_matrix(d["gold"], d["predicted"]).tolist()}))
                """;
            Assert.True(PythonScript.TryRun(Python.Value!, script, file, out string output), output);
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>A fact that is skipped, saying why, where python3 with scikit-learn is not installed.</summary>
public sealed class SklearnFactAttribute : FactAttribute
{
    public SklearnFactAttribute()
    {
        if (Sklearn.Python.Value is null)
            Skip = "scikit-learn comparison skipped: no python3 with sklearn (Debian package python3-sklearn; run scripts/ci-deps.sh)";
    }
}
