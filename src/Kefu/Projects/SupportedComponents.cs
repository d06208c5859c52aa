namespace Kefu.Projects;

/// <summary>The Rasa pipeline components and policies Kefu runs; others in config.yml get a warning that names them.</summary>
public static class SupportedComponents
{
    public static IReadOnlySet<string> Pipeline { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "WhitespaceTokenizer", "JiebaTokenizer", "CountVectorsFeaturizer", "RegexFeaturizer",
        "LexicalSyntacticFeaturizer", "DIETClassifier", "EntitySynonymMapper", "FallbackClassifier",
        "RegexEntityExtractor", "CRFEntityExtractor",
        // Kefu's linear intent model runs for it (see Training/PipelineCheck)
        "LogisticRegressionClassifier",
        // Retrieval intents (faq/ask_price) are learnt by the intent classifier itself; see NluModel.
        "ResponseSelector",
        // Kefu's own: a pretrained encoder fine-tuned for intents and entities (docs/models.md)
        "TransformerClassifier",
        // its sentence embedding joins the linear intent model's features (docs/models.md)
        "LanguageModelFeaturizer",
        // built-in Duckling dimensions, or a Duckling server with `url` (docs/extractors.md)
        "DucklingEntityExtractor",
    };

    public static IReadOnlySet<string> Policies { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "RulePolicy", "MemoizationPolicy", "AugmentedMemoizationPolicy",
    };

    /// <summary>Policies Kefu accepts with a caveat, and the caveat.</summary>
    public static IReadOnlyDictionary<string, string> ApproximatedPolicies { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["TEDPolicy"] = "TEDPolicy is approximated by Kefu's own story policy; predictions can differ from Rasa's",
        ["UnexpecTEDIntentPolicy"] = "UnexpecTEDIntentPolicy is not supported by Kefu and is ignored",
    };
}
