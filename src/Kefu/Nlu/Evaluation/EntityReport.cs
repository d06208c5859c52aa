using Kefu.Text;

namespace Kefu.Nlu.Evaluation;

/// <summary>One test message's entities: the annotated ones, those a model found, and the tokens they are scored on.</summary>
public sealed record EntityResult(string Text, IReadOnlyList<EntitySpan> Gold, IReadOnlyList<EntitySpan> Predicted, IReadOnlyList<Token> Tokens);

/// <summary>A message whose tokens an extractor labelled differently from the annotation (Rasa's <Extractor>_errors.json).</summary>
public sealed record EntityError(string Text, IReadOnlyList<EntitySpan> Gold, IReadOnlyList<EntitySpan> Predicted);

/// <summary>One extractor's token-level report and the messages it got wrong.</summary>
public sealed record ExtractorReport(string Extractor, ClassificationReport Report, IReadOnlyList<EntityError> Errors);

/// <summary>
/// Rasa's token-level entity evaluation (rasa/nlu/test.py, evaluate_entities): every token of a test message gets
/// the type of the entity that covers most of it (or no_entity), once from the annotation and once from the
/// extractor; the report is sklearn's classification_report over all tokens with the gold entity types as labels
/// (no_entity left out, so its averages carry "micro avg", not "accuracy"). Tokens are Kefu's tokenizer's (words,
/// numbers, one per CJK character), without punctuation and symbols, as Rasa's WhitespaceTokenizer drops them.
/// </summary>
public static class EntityReport
{
    public const string NoEntity = "no_entity";

    /// <summary>Scoring tokens of a message.</summary>
    public static IReadOnlyList<Token> Tokens(string text) =>
        Tokenizer.Tokenize(text).Where(t => t.Kind is not (TokenKind.Punctuation or TokenKind.Symbol)).ToList();

    public static ExtractorReport Compute(string extractor, IReadOnlyList<EntityResult> results)
    {
        var gold = new List<string>();
        var predicted = new List<string>();
        var errors = new List<EntityError>();
        foreach (var r in results)
        {
            bool wrong = false;
            foreach (var token in r.Tokens)
            {
                string g = TokenLabel(token, r.Gold), p = TokenLabel(token, r.Predicted);
                gold.Add(g);
                predicted.Add(p);
                wrong |= g != p;
            }
            if (wrong) errors.Add(new EntityError(r.Text, r.Gold, r.Predicted));
        }
        var labels = gold.Where(l => l != NoEntity).Distinct().Order(StringComparer.Ordinal).ToList();
        return new ExtractorReport(extractor, ClassificationReport.Compute(gold, predicted, labels, NoEntity), errors);
    }

    /// <summary>
    /// The type of the entity sharing most characters with the token (the first on a tie, as np.argmax), no_entity
    /// when none touches it (Rasa's determine_token_labels / pick_best_entity_fit).
    /// </summary>
    public static string TokenLabel(Token token, IReadOnlyList<EntitySpan> entities)
    {
        string label = NoEntity;
        int best = 0;
        foreach (var e in entities)
        {
            int overlap = Math.Min(token.End, e.End) - Math.Max(token.Start, e.Start);
            if (overlap > best) { best = overlap; label = e.Entity; }
        }
        return label;
    }

    /// <summary>
    /// Rasa's name for the component that found a model's entities: DIETClassifier, TransformerClassifier, or
    /// CRFEntityExtractor for Kefu's CRF (with regex and lookup matches). Null when the model finds none.
    /// </summary>
    public static string? ExtractorName(NluModel model) => model.Entities switch
    {
        null => null,
        Diet.DietModel => "DIETClassifier",
        Pretrained.TransformerParser => "TransformerClassifier",
        _ => "CRFEntityExtractor",
    };
}
