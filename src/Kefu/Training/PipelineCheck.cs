using Kefu.Projects;

namespace Kefu.Training;

/// <summary>
/// What a config.yml pipeline's components and options do in Kefu, said out loud: each component Kefu accepts runs
/// something (this table says what), and every option it does not honour is a warning at its line that says what runs
/// instead. Components with their own readers (DIETClassifier, TransformerClassifier, LanguageModelFeaturizer,
/// JiebaTokenizer) are checked by reading them as training does. `kefu data validate` and `kefu train` report the same.
/// </summary>
public static class PipelineCheck
{
    /// <summary>A component Kefu runs in its own way: the options it honours, and what runs in place of the others.</summary>
    public sealed record Behaviour(string Runs, IReadOnlyList<string> Honoured, string OtherOptions);

    public static IReadOnlyDictionary<string, Behaviour> Catalog { get; } = new Dictionary<string, Behaviour>
    {
        ["WhitespaceTokenizer"] = new("Kefu's tokenizer: Unicode words and numbers, one token per CJK character and per emoji",
            ["intent_tokenization_flag", "intent_split_symbol"],
            "Kefu's tokenizer has no options but the multi-intent ones (intent_tokenization_flag, intent_split_symbol)"),
        ["CountVectorsFeaturizer"] = new("Kefu's TF-IDF n-grams: word 1–3-grams, character 2–5-grams inside words, CJK 1–3-grams", [],
            "the n-grams are fixed (docs/nlu.md); several CountVectorsFeaturizers are one"),
        ["LexicalSyntacticFeaturizer"] = new("the token features of the entity CRF and DIET: text, shape, prefixes, suffixes, neighbours", [],
            "the token features are fixed"),
        ["RegexFeaturizer"] = new("regexes and lookup tables as features of the intent and entity models", [],
            "every regex and lookup table is a feature, case-insensitively"),
        ["RegexEntityExtractor"] = new("regexes and lookup tables named after an entity type find that entity", [],
            "every regex and lookup table named after an entity is matched"),
        ["LogisticRegressionClassifier"] = new("Kefu's linear intent model: one-vs-rest linear SVMs with a calibrated softmax; C is their C",
            ["C", "context_weight"],
            "only C and Kefu's context_weight (the bot's previous message as features) are read; the linear model's other settings are Kefu's"),
        ["CRFEntityExtractor"] = new("Kefu's linear-chain CRF over the token features", ["sentence_features"],
            "the CRF's features and training settings are Kefu's but for its sentence_features (the message's words at every token)"),
        ["EntitySynonymMapper"] = new("synonyms from the data and annotated values map entity values", [], "it has no options"),
        ["FallbackClassifier"] = new("nlu_fallback below the threshold or between two close intents", ["threshold", "ambiguity_threshold"],
            "only threshold and ambiguity_threshold are read"),
        ["ResponseSelector"] = new("retrieval intents (faq/ask_x) are learnt by the intent model", [],
            "the intent model's own settings apply"),
    };

    /// <summary>Warnings (as "file:line:column: warning: ..." lines) and errors of the pipeline's components and options.</summary>
    public static (List<string> Warnings, IReadOnlyList<Diagnostic> Errors) Check(ProjectConfig config)
    {
        var warnings = CatalogWarnings(config);
        var progress = new SynchronousProgress<string>(warnings.Add);
        var errors = new List<Diagnostic>();
        try
        {
            ProjectTrainer.NluTrainerFor(config, ProjectTrainer.NluConfigFor(config, progress), progress);
        }
        catch (ProjectException e)
        {
            errors.AddRange(e.Diagnostics);
        }
        return (warnings, errors);
    }

    /// <summary>The warnings of the <see cref="Catalog"/>'s components (the others warn as they are read for training).</summary>
    public static List<string> CatalogWarnings(ProjectConfig config)
    {
        var warnings = new List<string>();
        foreach (var component in config.Pipeline)
        {
            if (!Catalog.TryGetValue(component.Name, out var behaviour)) continue;
            foreach (var option in component.Options.Entries.Where(o => !behaviour.Honoured.Contains(o.Key)))
                warnings.Add($"{option.Location}: warning: {component.Name} option '{option.Key}' is ignored: {behaviour.OtherOptions}");
        }
        bool ownModel = config.FindComponent(DietClassifierConfig.ComponentName) is not null
            || config.FindComponent(TransformerClassifierConfig.ComponentName) is not null;
        if (ownModel && config.FindComponent("CRFEntityExtractor") is { } crf)
            warnings.Add($"{crf.Location}: warning: CRFEntityExtractor is not used: the pipeline's DIETClassifier or TransformerClassifier finds entities itself");
        return warnings;
    }
}
