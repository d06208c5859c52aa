namespace Kefu.Nlu;

/// <summary>A value, not an object: a parse keeps ten of them, and every conversation keeps its latest parse.</summary>
public readonly record struct IntentPrediction(string Name, float Confidence);

/// <summary>What the NLU understood of one message: Rasa's parse result (intent, ranking, entities).</summary>
public sealed record NluParse(
    string Text,
    IntentPrediction Intent,
    IReadOnlyList<IntentPrediction> IntentRanking,
    IReadOnlyList<EntitySpan> Entities);
