using Kefu.Nlu.Entities;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;

namespace Kefu.Nlu;

/// <summary>
/// Everything that shapes an NLU model. <paramref name="FallbackThreshold"/>: below this confidence the
/// parse's intent becomes <c>nlu_fallback</c>; null means "fit it on held-out folds when the data has
/// <paramref name="OosLabel"/> examples, else 0.3". <paramref name="CalibrationFolds"/>: k of the k-fold split
/// whose held-out scores fit the temperature (one fold) and the OOS threshold (all folds).
/// <paramref name="OosInScopeRejection"/>: the share of held-out in-scope messages the fitted threshold
/// may turn into fallbacks (see <see cref="Intents.Calibration.FitOosThreshold"/>); 0.75% is the least rate whose
/// held-out OOS recall on clinc150's training folds reached 0.5 (bench/nlu/tune.sh).
/// <paramref name="AmbiguityThreshold"/>: Rasa's FallbackClassifier ambiguity_threshold; when the two best intents are
/// closer than this, the parse is <c>nlu_fallback</c> too (0: never).
/// <paramref name="DenseWeight"/>: with a language model's embeddings as features (LanguageModelFeaturizer), the norm of
/// that dense block against the sparse block's ≈1.7; null: chosen on held-out folds (see <see cref="NluTrainer"/>).
/// <paramref name="Duckling"/>: config.yml's DucklingEntityExtractor, whose entities join the trained ones at parse time.
/// <paramref name="IntentSplitSymbol"/>: the tokenizer's `intent_split_symbol` when its `intent_tokenization_flag` is on: the
/// linear model then learns each part of a multi-intent label on its own (<see cref="Intents.IntentParts"/>); null: whole labels.
/// </summary>
public sealed record NluConfig(
    SparseFeatureConfig Features,
    SvmOptions Svm,
    CrfOptions Entities,
    float? FallbackThreshold = null,
    string? OosLabel = null,
    int CalibrationFolds = 5,
    float OosInScopeRejection = 0.0075f,
    int RankingLength = 10,
    int Seed = 1,
    float AmbiguityThreshold = 0f,
    float? DenseWeight = null,
    DucklingConfig? Duckling = null,
    string? IntentSplitSymbol = null)
{
    public const string FallbackIntent = "nlu_fallback";
    public const float DefaultFallbackThreshold = 0.3f;

    public static NluConfig Default { get; } = new(new SparseFeatureConfig(), new SvmOptions(), new CrfOptions());
}
