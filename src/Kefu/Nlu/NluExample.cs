using System.Text.Json;

namespace Kefu.Nlu;

/// <summary>
/// An entity span in an example or a parse; Start/End are UTF-16 offsets into the original text, End exclusive.
/// Entities of a pretrained extractor (Duckling's) also name it in <see cref="Extractor"/> and carry its structured value
/// in <see cref="AdditionalInfo"/>, as Rasa's do; <see cref="Value"/> is then that value as text
/// (<see cref="Extractors.Duckling.DucklingEntityExtractor"/> says how).
/// </summary>
public sealed record EntitySpan(int Start, int End, string Entity, string Value,
    string? Role = null, string? Group = null)
{
    /// <summary>Rasa's `extractor` for entities not found by the trained model: "DucklingEntityExtractor".</summary>
    public string? Extractor { get; init; }

    /// <summary>Rasa's `additional_info`: Duckling's value object ({"value", "grain", "type"}, {"from", "to"}, {"value", "unit"}...).</summary>
    public JsonElement? AdditionalInfo { get; init; }
}

/// <summary>One labelled training or test utterance, whatever file it came from (CSV, JSON lines, Rasa nlu.yml).</summary>
public sealed record NluExample(string Text, string Intent, IReadOnlyList<EntitySpan> Entities)
{
    /// <summary>
    /// The `kefu data augment` method that made this example (an intent's `metadata: {augmented: typos}` in nlu.yml);
    /// null for a real one. Augmented examples train but never test: splits and cross-validation folds keep them out of test parts.
    /// </summary>
    public string? Augmentation { get; init; }

    /// <summary>
    /// What the bot said just before this message (a conversation's previous bot message), for a model with context
    /// features (<see cref="Features.SparseFeatureConfig.ContextWeight"/>); null when unknown.
    /// </summary>
    public string? Context { get; init; }

    /// <summary>
    /// A bot message as a <see cref="Context"/>: the name of the response it was rendered from (utter_ask_refund), or its text
    /// when it had none (a custom action's or an agent's message). The name says what was asked whatever variation worded
    /// it; on CrossWOZ the system's acts alone were worth 1.2 points of F1 over acts and text together (docs/benchmarks.md).
    /// </summary>
    public static string? ContextOf(string? response, string? text) => response ?? text;
}

/// <summary>Everything the NLU trains on besides the examples: Rasa's synonym, regex and lookup sections.</summary>
public sealed record NluTrainingData(
    IReadOnlyList<NluExample> Examples,
    IReadOnlyDictionary<string, string> Synonyms,          // surface form (case-folded) -> canonical value
    IReadOnlyList<RegexFeature> Regexes,
    IReadOnlyList<LookupTable> Lookups)
{
    public static NluTrainingData FromExamples(IReadOnlyList<NluExample> examples) =>
        new(examples, new Dictionary<string, string>(), [], []);
}

public sealed record RegexFeature(string Name, IReadOnlyList<string> Patterns);

public sealed record LookupTable(string Name, IReadOnlyList<string> Elements);
