namespace Kefu.Nlu;

public sealed record IntentPrediction(string Name, float Confidence);

/// <summary>What the NLU understood of one message: Rasa's parse result (intent, ranking, entities).</summary>
public sealed record NluParse(
    string Text,
    IntentPrediction Intent,
    IReadOnlyList<IntentPrediction> IntentRanking,
    IReadOnlyList<EntitySpan> Entities);
