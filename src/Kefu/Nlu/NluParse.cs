namespace Kefu.Nlu;

/// <summary>A value, not an object: a parse keeps ten of them, and every conversation keeps its latest parse.</summary>
public readonly record struct IntentPrediction(string Name, float Confidence);

/// <summary>
/// What the NLU understood of one message: Rasa's parse result (intent, ranking, entities). For a retrieval intent
/// (Rasa's `faq/ask_price`), Intent is the base intent (`faq`) and Retrieval the full one, which Rasa's
/// ResponseSelector gives and the retrieval action `utter_faq` answers with the response `utter_faq/ask_price`.
/// </summary>
public sealed record NluParse(
    string Text,
    IntentPrediction Intent,
    IReadOnlyList<IntentPrediction> IntentRanking,
    IReadOnlyList<EntitySpan> Entities,
    IntentPrediction? Retrieval = null)
{
    /// <summary>A parse that names its intent (a payload, a story step): a full retrieval intent is split as the NLU would.</summary>
    public static NluParse Named(string text, IntentPrediction intent, IReadOnlyList<EntitySpan> entities)
    {
        if (intent.Name.IndexOf('/') is not (> 0 and var slash)) return new(text, intent, [intent], entities);
        var baseIntent = intent with { Name = intent.Name[..slash] };
        return new(text, baseIntent, [baseIntent], entities, intent);
    }
}
