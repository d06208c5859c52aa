using Kefu.Nlu;
using Kefu.Nlu.Diet;

namespace Kefu.Training;

/// <summary>Trains the NLU of a pipeline with a DIETClassifier: DIET gives intents and entities.</summary>
public static class DietNluTrainer
{
    public static NluModel Train(NluTrainingData data, NluConfig config, DietOptions options, IProgress<string>? progress = null,
        CancellationToken cancellation = default)
    {
        // as TransformerNluTrainer: with out-of-scope examples and no threshold given, every 10th example of each intent is
        // held out to fit the fallback threshold
        bool fitThreshold = config.FallbackThreshold is null && config.OosLabel is { } oos && data.Examples.Any(e => e.Intent == oos);
        var (train, heldOut) = fitThreshold ? TransformerNluTrainer.HoldOut(data, 10) : (data, null);
        // the sentence row's n-grams are the linear NLU's, Jieba's words included when the pipeline has a JiebaTokenizer
        var model = DietTrainer.Train(train, options.Features is null ? options with { Features = config.Features } : options, progress, cancellation);
        float threshold = TransformerNluTrainer.FitThreshold(config, heldOut, model.Labels, text => model.Predict(text).Probabilities, progress);
        bool entities = model.EntityTypes.Count > 0 || model.Featurizer.Patterns is not null;
        return new NluModel(config, model, entities ? model : null, threshold);
    }
}
