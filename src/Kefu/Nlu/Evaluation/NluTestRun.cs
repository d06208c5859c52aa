using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kefu.Nlu.Evaluation;

/// <summary>One test message's intent: gold, predicted (nlu_fallback included, as Rasa's pipeline says it) and its confidence.</summary>
public sealed record IntentResult(string Text, string Gold, string Predicted, double Confidence)
{
    public bool Correct => Gold == Predicted;
}

/// <summary>What a model said about test messages; Extractor names its entity model (null: it finds no entities).</summary>
public sealed record NluEvaluation(IReadOnlyList<IntentResult> Intents, IReadOnlyList<EntityResult> Entities, string? Extractor)
{
    /// <summary>Pooled results of several models of the same pipeline (cross-validation folds).</summary>
    public static NluEvaluation Concat(IReadOnlyList<NluEvaluation> parts) =>
        new([.. parts.SelectMany(p => p.Intents)], [.. parts.SelectMany(p => p.Entities)], parts.Select(p => p.Extractor).FirstOrDefault(e => e is not null));
}

/// <summary>
/// Everything `kefu test nlu` reports of one evaluation: the intent report and confusion matrix, the errors (most
/// confident first), the confidence histogram (20 bins of 0.05, as Rasa's intent_histogram.png) and one entity report
/// per extractor.
/// </summary>
public sealed record NluTestReport(ClassificationReport Intents, IReadOnlyList<IntentResult> Results, IReadOnlyList<IntentResult> Errors,
    int[] HistogramCorrect, int[] HistogramWrong, IReadOnlyList<ExtractorReport> Entities)
{
    public const int HistogramBins = 20;

    public static NluTestReport From(NluEvaluation evaluation)
    {
        var results = evaluation.Intents;
        var report = ClassificationReport.Compute(results.Select(r => r.Gold).ToList(), results.Select(r => r.Predicted).ToList());
        var correct = new int[HistogramBins];
        var wrong = new int[HistogramBins];
        foreach (var r in results)
        {
            int bin = Math.Clamp((int)(r.Confidence * HistogramBins), 0, HistogramBins - 1);
            (r.Correct ? correct : wrong)[bin]++;
        }
        var errors = results.Where(r => !r.Correct).OrderByDescending(r => r.Confidence).ToList();
        var entities = new List<ExtractorReport>();
        if (evaluation.Extractor is { } extractor && evaluation.Entities.Count > 0)
            entities.Add(EntityReport.Compute(extractor, evaluation.Entities));
        return new NluTestReport(report, results, errors, correct, wrong, entities);
    }

    static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Rasa's files: intent_report.json, intent_errors.json, &lt;Extractor&gt;_report.json, &lt;Extractor&gt;_errors.json;
    /// and intent_confusion_matrix.json (Rasa draws it as a PNG; here the numbers behind report.html's heat map).
    /// </summary>
    public IReadOnlyList<string> WriteFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>
        {
            Write(directory, "intent_report.json", w => Intents.WriteJson(w)),
            Write(directory, "intent_errors.json", WriteErrorsJson),
            Write(directory, "intent_confusion_matrix.json", w => Intents.WriteMatrixJson(w)),
        };
        foreach (var entity in Entities)
        {
            written.Add(Write(directory, $"{entity.Extractor}_report.json", w => entity.Report.WriteJson(w)));
            written.Add(Write(directory, $"{entity.Extractor}_errors.json", w =>
            {
                w.WriteStartArray();
                foreach (var e in entity.Errors)
                {
                    w.WriteStartObject();
                    w.WriteString("text", e.Text);
                    WriteEntities(w, "entities", e.Gold, null);
                    WriteEntities(w, "predicted_entities", e.Predicted, entity.Extractor);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }));
        }
        return written;
    }

    /// <summary>Rasa's intent_errors.json: [{"text","intent","intent_prediction":{"name","confidence"}}], most confident first.</summary>
    public void WriteErrorsJson(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        foreach (var e in Errors)
        {
            w.WriteStartObject();
            w.WriteString("text", e.Text);
            w.WriteString("intent", e.Gold);
            w.WriteStartObject("intent_prediction");
            w.WriteString("name", e.Predicted);
            w.WriteNumber("confidence", Math.Round(e.Confidence, 6));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    static void WriteEntities(Utf8JsonWriter w, string name, IReadOnlyList<EntitySpan> entities, string? extractor)
    {
        w.WriteStartArray(name);
        foreach (var e in entities)
        {
            w.WriteStartObject();
            w.WriteNumber("start", e.Start);
            w.WriteNumber("end", e.End);
            w.WriteString("value", e.Value);
            w.WriteString("entity", e.Entity);
            if (e.Role is not null) w.WriteString("role", e.Role);
            if (e.Group is not null) w.WriteString("group", e.Group);
            if (extractor is not null) w.WriteString("extractor", extractor);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static string Write(string directory, string name, Action<Utf8JsonWriter> body)
    {
        string path = Path.Combine(directory, name);
        using (var stream = File.Create(path))
        using (var w = new Utf8JsonWriter(stream, Indented))
            body(w);
        return path;
    }
}

/// <summary>
/// Rasa's comparison mode (`rasa test nlu --config A.yml B.yml --percentages 0 25 50 75 --runs 3`): each run splits the
/// data 80/20 stratified by intent, then for each percentage leaves that share of the training part out (stratified,
/// at least one example per intent kept), trains every config on the rest and scores it on the run's test part.
/// F1 is the weighted F1 of intents, the figure Rasa plots. Augmented examples never test: they join each training part,
/// left out at the same percentage; TrainingExamples counts the real ones.
/// </summary>
public sealed record NluComparison(IReadOnlyList<string> Configs, IReadOnlyList<int> Percentages, int[][] TrainingExamples,
    double[][][] F1, double[][][] Accuracy)
{
    /// <summary>Rasa's results.json: {config: [[F1 per percentage] per run]}.</summary>
    public void WriteResultsJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        for (int c = 0; c < Configs.Count; c++)
        {
            w.WriteStartArray(Configs[c]);
            foreach (var run in F1[c])
            {
                w.WriteStartArray();
                foreach (double f in run) w.WriteNumberValue(f);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>The same with what the graph needs: percentages, training example counts, mean and std over runs, accuracy.</summary>
    public void WriteComparisonJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("percentages_excluded");
        foreach (int p in Percentages) w.WriteNumberValue(p);
        w.WriteEndArray();
        w.WriteStartArray("training_examples");
        foreach (var run in TrainingExamples) { w.WriteStartArray(); foreach (int n in run) w.WriteNumberValue(n); w.WriteEndArray(); }
        w.WriteEndArray();
        w.WriteStartObject("configs");
        for (int c = 0; c < Configs.Count; c++)
        {
            w.WriteStartObject(Configs[c]);
            var (mean, std) = MeanStd(F1[c]);
            Numbers(w, "weighted_f1_mean", mean);
            Numbers(w, "weighted_f1_std", std);
            Numbers(w, "accuracy_mean", MeanStd(Accuracy[c]).Mean);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();

        static void Numbers(Utf8JsonWriter w, string name, double[] values)
        {
            w.WriteStartArray(name);
            foreach (double v in values) w.WriteNumberValue(Math.Round(v, 6));
            w.WriteEndArray();
        }
    }

    /// <summary>Mean and population standard deviation over runs of each percentage's score.</summary>
    public static (double[] Mean, double[] Std) MeanStd(double[][] runs)
    {
        int n = runs[0].Length;
        var mean = new double[n];
        var std = new double[n];
        for (int p = 0; p < n; p++)
        {
            mean[p] = runs.Average(r => r[p]);
            std[p] = Math.Sqrt(runs.Average(r => (r[p] - mean[p]) * (r[p] - mean[p])));
        }
        return (mean, std);
    }
}

public static class NluTestRun
{
    /// <summary>
    /// Parses every example with <paramref name="model"/>. A retrieval intent's gold label counts as its base intent
    /// (faq/ask_price is faq), as Rasa scores intents; DucklingEntityExtractor's entities are left out, as Rasa leaves
    /// pretrained extractors out of entity evaluation. Entities are evaluated when the model has an entity model and
    /// the test data annotates entities or the model was trained to find some.
    /// </summary>
    public static NluEvaluation Evaluate(NluModel model, IReadOnlyList<NluExample> examples)
    {
        var extractor = EntityReport.ExtractorName(model);
        bool entities = extractor is not null && (model.Entities!.EntityTypes.Count > 0 || examples.Any(e => e.Entities.Count > 0));
        var intents = new IntentResult[examples.Count];
        var entityResults = new List<EntityResult>(entities ? examples.Count : 0);
        var reference = DateTimeOffset.UnixEpoch;
        for (int i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            var parse = model.Parse(example.Text, reference, example.Context);
            string gold = example.Intent.IndexOf('/') is > 0 and var slash ? example.Intent[..slash] : example.Intent;
            intents[i] = new IntentResult(example.Text, gold, parse.Intent.Name, parse.Intent.Confidence);
            if (entities)
                entityResults.Add(new EntityResult(example.Text, example.Entities,
                    parse.Entities.Where(e => e.Extractor is null).ToList(), EntityReport.Tokens(example.Text)));
        }
        return new NluEvaluation(intents, entityResults, entities ? extractor : null);
    }

    /// <summary>
    /// A stratified split: per intent (in order of first appearance), the examples shuffled with <paramref name="random"/>,
    /// round(n · <paramref name="keepFraction"/>) kept, at least one and, when <paramref name="leaveOne"/>, at most n − 1.
    /// </summary>
    public static (List<NluExample> Kept, List<NluExample> Others) StratifiedSplit(IReadOnlyList<NluExample> examples, double keepFraction,
        Random random, bool leaveOne = false)
    {
        var kept = new List<NluExample>();
        var rest = new List<NluExample>();
        foreach (var group in examples.GroupBy(e => e.Intent))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            int keep = Math.Max(1, (int)Math.Round(members.Length * keepFraction));
            if (leaveOne && members.Length > 1) keep = Math.Min(keep, members.Length - 1);
            kept.AddRange(members.Take(Math.Min(keep, members.Length)));
            rest.AddRange(members.Skip(keep));
        }
        return (kept, rest);
    }

    /// <summary>See <see cref="NluComparison"/>. Percentages are the shares of the training part left out, each in [0, 100).</summary>
    public static NluComparison Compare(NluTrainingData data, IReadOnlyList<(string Name, Func<NluTrainingData, NluModel> Train)> configs,
        IReadOnlyList<int> percentages, int runs, IProgress<string>? progress = null, double trainFraction = 0.8)
    {
        if (configs.Count == 0) throw new ArgumentException("no configs to compare");
        if (runs < 1) throw new ArgumentException($"--runs {runs}: at least one run is needed");
        if (percentages.Count == 0 || percentages.Any(p => p is < 0 or >= 100))
            throw new ArgumentException($"--percentages {string.Join(" ", percentages)}: each must be at least 0 and below 100 (the share of training data left out)");
        // Augmented examples (kefu data augment) never test: they join the training part, thinned as the real ones are.
        var real = data.Examples.Where(e => e.Augmentation is null).ToList();
        var augmented = data.Examples.Where(e => e.Augmentation is not null).ToList();
        var small = real.GroupBy(e => e.Intent).Where(g => g.Count() < 2).Select(g => g.Key).ToList();
        if (small.Count > 0)
            throw new ArgumentException($"intents with a single example cannot be both trained on and tested: {string.Join(", ", small.Take(5))}" +
                (small.Count > 5 ? $" and {small.Count - 5} more" : ""));
        var f1 = configs.Select(_ => new double[runs][]).ToArray();
        var accuracy = configs.Select(_ => new double[runs][]).ToArray();
        var counts = new int[runs][];
        for (int run = 0; run < runs; run++)
        {
            var random = new Random(run);
            var (train, test) = StratifiedSplit(real, trainFraction, random, leaveOne: true);
            counts[run] = new int[percentages.Count];
            for (int c = 0; c < configs.Count; c++) { f1[c][run] = new double[percentages.Count]; accuracy[c][run] = new double[percentages.Count]; }
            for (int p = 0; p < percentages.Count; p++)
            {
                double keep = 1 - percentages[p] / 100.0;
                var included = percentages[p] == 0 ? train : StratifiedSplit(train, keep, new Random(1000 * run + p)).Kept;
                var extra = percentages[p] == 0 || augmented.Count == 0 ? augmented : StratifiedSplit(augmented, keep, new Random(1000 * run + p)).Kept;
                counts[run][p] = included.Count;
                included = [.. included, .. extra];
                for (int c = 0; c < configs.Count; c++)
                {
                    progress?.Report($"run {run + 1}/{runs}, {percentages[p]}% excluded: training {configs[c].Name} on {included.Count} examples");
                    var model = configs[c].Train(data with { Examples = included });
                    var report = NluTestReport.From(Evaluate(model, test)).Intents;
                    f1[c][run][p] = report.WeightedAvg.F1;
                    accuracy[c][run][p] = report.ExampleAccuracy;
                }
            }
        }
        return new NluComparison(configs.Select(c => c.Name).ToList(), percentages, counts, f1, accuracy);
    }
}
