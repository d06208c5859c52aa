using Kefu.Nlu.Features;

namespace Kefu.Nlu;

/// <summary>Named NLU configurations for `--pipeline`.</summary>
public static class NluPipelines
{
    public const string Default = "default";

    static readonly Dictionary<string, NluConfig> pipelines = new()
    {
        // word 1-3 grams + char 2-5 grams inside words (block norm 1.4) + CJK 1-3 grams, df >= 2, one-vs-rest linear SVMs;
        // settings chosen by cross-validation on training files only: bench/nlu/tune.sh
        [Default] = NluConfig.Default,
        // word n-grams and CJK n-grams only: smaller and faster, a little less accurate on typos
        ["words"] = NluConfig.Default with { Features = new SparseFeatureConfig(CharNgramMin: 0, CharNgramMax: 0) },
    };

    public static IReadOnlyCollection<string> Names => pipelines.Keys;

    public static NluConfig Get(string name) =>
        pipelines.TryGetValue(name, out var config)
            ? config
            : throw new ArgumentException($"unknown pipeline '{name}': expected one of {string.Join(", ", Names)}");
}
