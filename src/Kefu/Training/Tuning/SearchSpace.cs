using System.Globalization;
using System.Text.Json;
using Kefu.Projects;
using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Training.Tuning;

/// <summary>
/// One tuned option: a pipeline component's option and its range. Numbers are searched on [Low, High] (on their logarithm
/// when Log); Int rounds; Choices are tried as given. Values are kept as JSON, the way config.yml options are.
/// </summary>
public sealed record TunedOption(string Component, string Option, double Low, double High, bool Log, bool Int,
    IReadOnlyList<JsonElement>? Choices, SourceLocation Location)
{
    public string Name => $"{Component}.{Option}";
    public bool IsCategorical => Choices is not null;

    /// <summary>Internal coordinate -> option value: a number in [Low, High] (log space undone, rounded for Int), or a choice index.</summary>
    public JsonElement Value(double x)
    {
        if (Choices is not null) return Choices[(int)x];
        double v = Log ? Math.Exp(x) : x;
        v = Math.Clamp(v, Low, High);
        return Int ? JsonSerializer.SerializeToElement((long)Math.Round(v)) : JsonSerializer.SerializeToElement(Math.Round(v, 6));
    }

    /// <summary>The coordinate the sampler works in: log(Low)..log(High) for Log, the choice count for Choices.</summary>
    public (double Low, double High) Bounds => Choices is not null ? (0, Choices.Count) : Log ? (Math.Log(Low), Math.Log(High)) : (Low, High);
}

/// <summary>
/// What `kefu tune` searches: tune.yml in the project (or --space FILE), or the default space of the pipeline's intent model.
/// <code>
/// metric: accuracy          # accuracy | macro_f1, cross-validated
/// folds: 3
/// space:
///   - component: LogisticRegressionClassifier
///     option: C
///     low: 0.01
///     high: 100
///     log: true
///   - component: DIETClassifier
///     option: embedding_dimension
///     choices: [20, 64, 128]
/// </code>
/// </summary>
public sealed record SearchSpace(IReadOnlyList<TunedOption> Options, string Metric, int Folds)
{
    public static readonly string[] Metrics = ["accuracy", "macro_f1"];

    /// <summary>A signature of the space: a study file may only resume the same search.</summary>
    public string Signature => JsonSerializer.Serialize(new
    {
        metric = Metric, folds = Folds,
        options = Options.Select(o => new { o.Name, o.Low, o.High, o.Log, o.Int, choices = o.Choices?.Select(c => c.GetRawText()) }),
    });

    /// <summary>The space when the project has no tune.yml: the settings that matter most for its intent model.</summary>
    public static SearchSpace DefaultFor(ProjectConfig config, string configFile)
    {
        var at = new SourceLocation(configFile, 1, 1);
        if (config.FindComponent(DietClassifierConfig.ComponentName) is not null)
            return new([
                new("DIETClassifier", "epochs", 10, 100, Log: true, Int: true, null, at),
                new("DIETClassifier", "learning_rate", 3e-4, 1e-2, Log: true, Int: false, null, at),
                new("DIETClassifier", "linear_weight", 0, 1, Log: false, Int: false, null, at),
                new("DIETClassifier", "drop_rate", 0, 0.5, Log: false, Int: false, null, at),
            ], "accuracy", 3);
        if (config.FindComponent(TransformerClassifierConfig.ComponentName) is not null)
            return new([
                new("TransformerClassifier", "epochs", 1, 6, Log: false, Int: true, null, at),
                new("TransformerClassifier", "learning_rate", 1e-5, 2e-4, Log: true, Int: false, null, at),
            ], "accuracy", 3);
        return new([new("LogisticRegressionClassifier", "C", 0.01, 100, Log: true, Int: false, null, at)], "accuracy", 3);
    }

    /// <summary>Reads tune.yml; problems are errors at their file:line.</summary>
    public static SearchSpace Load(string path)
    {
        var (limits, _) = ProjectLimits.FromEnvironment();
        var diagnostics = new DiagnosticBag(limits.MaxDiagnosticsPerFile);
        var source = YamlSource.Load(path, path, diagnostics, limits);
        var options = new List<TunedOption>();
        string metric = "accuracy";
        int folds = 3;
        if (source.Root is YamlMappingNode root)
        {
            source.WarnUnknownKeys(root, "tune.yml", "metric", "folds", "space");
            if (YamlSource.Get(root, "metric") is { } m && source.String(m, "metric") is { } name)
            {
                if (Metrics.Contains(name)) metric = name;
                else source.Error(m, $"unknown metric '{name}': expected {string.Join(" or ", Metrics)}");
            }
            if (YamlSource.Get(root, "folds") is { } f)
            {
                folds = (int)source.Number(f, "folds", 3);
                if (folds < 2) source.Error(f, $"folds must be 2 or more, got {folds}");
            }
            if (YamlSource.Get(root, "space") is { } space)
                foreach (var item in source.Sequence(space, "space"))
                    if (source.Mapping(item, "a tuned option") is { } entry && Read(source, entry) is { } option) options.Add(option);
            if (options.Count == 0 && !source.Failed) source.Error(root, "tune.yml has no options to tune under 'space:'");
        }
        else if (!source.Failed) diagnostics.Error(new SourceLocation(path, 1, 1), "tune.yml must be a mapping with 'space:' (docs/evaluation.md)");
        var all = diagnostics.Sorted();
        if (all.Any(d => d.Severity == Severity.Error)) throw new ProjectException(all);
        return new(options, metric, folds);
    }

    private static TunedOption? Read(YamlSource source, YamlMappingNode entry)
    {
        source.WarnUnknownKeys(entry, "a tuned option", "component", "option", "low", "high", "log", "type", "choices");
        var component = YamlSource.Get(entry, "component") is { } c ? source.String(c, "component") : null;
        var option = YamlSource.Get(entry, "option") is { } o ? source.String(o, "option") : null;
        if (component is null || option is null) { source.Error(entry, "a tuned option needs 'component' and 'option'"); return null; }
        var at = source.At(entry);
        if (YamlSource.Get(entry, "choices") is { } choicesNode)
        {
            var choices = source.Sequence(choicesNode, "choices").Select(source.ToJson).ToList();
            if (choices.Count < 2) { source.Error(choicesNode, "choices needs two or more values"); return null; }
            return new(component, option, 0, 0, false, false, choices, at);
        }
        var lowNode = YamlSource.Get(entry, "low");
        var highNode = YamlSource.Get(entry, "high");
        if (lowNode is null || highNode is null) { source.Error(entry, $"{component}.{option}: give 'low' and 'high', or 'choices'"); return null; }
        double low = source.Number(lowNode, "low", double.NaN), high = source.Number(highNode, "high", double.NaN);
        bool log = source.Bool(YamlSource.Get(entry, "log"), "log", false);
        string type = YamlSource.Get(entry, "type") is { } t ? source.String(t, "type") ?? "float" : "float";
        if (type is not ("float" or "int")) { source.Error(YamlSource.Get(entry, "type")!, $"type must be float or int, got '{type}'"); return null; }
        if (!(low < high)) { source.Error(entry, $"{component}.{option}: low ({low.ToString(CultureInfo.InvariantCulture)}) must be below high ({high.ToString(CultureInfo.InvariantCulture)})"); return null; }
        if (log && low <= 0) { source.Error(lowNode, $"{component}.{option}: a log range needs low > 0"); return null; }
        return new(component, option, low, high, log, type == "int", null, at);
    }
}
