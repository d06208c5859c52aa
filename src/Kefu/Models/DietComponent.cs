using Kefu.Nlu;
using Kefu.Nlu.Diet;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.IO;

namespace Kefu.Models;

/// <summary>
/// Stores an NLU whose intents and entities come from DIET (config.yml's DIETClassifier) as the "nlu" component of type
/// nlu.diet.v1: the network's parameters and the sentence features' idf as safetensors, the sentence and token feature
/// vocabularies (64-bit keys) as raw little-endian u64 arrays, the shape, labels, patterns and synonyms in the manifest.
/// </summary>
public static class DietComponent
{
    public const string Type = "nlu.diet.v1";
    const string Weights = "nlu/diet.safetensors";
    const string SentenceKeys = "nlu/diet.sentence.keys.u64";
    const string TokenKeys = "nlu/diet.token.keys.u64";
    const string Idf = "sentence.idf";
    const string LinearWeight = "linear.weight";
    const string LinearBias = "linear.bias";

    public sealed record DietComponentConfig(
        NluConfig Config,
        float FallbackThreshold,
        DietShape Shape,
        IReadOnlyList<string> Intents,
        SparseFeatureConfig Features,
        int SentenceFeatureCount,
        int TokenFeatureCount,
        int MaxTokens,
        IReadOnlyList<string> EntityTypes,
        IReadOnlyList<RegexFeature> Regexes,
        IReadOnlyList<LookupTable> Lookups,
        IReadOnlyDictionary<string, string> Synonyms,
        LinearBlendConfig? Linear = null);

    /// <summary>The linear intent model of the blend: its weights are "linear.weight" [S, K] and "linear.bias" [K].</summary>
    public sealed record LinearBlendConfig(float Temperature, float Weight);

    public static void Write(ModelArchiveWriter writer, NluModel model, DietModel diet)
    {
        var f = diet.Featurizer;
        var tensors = diet.Network.InputParameters.ToNamedTensors().Concat(diet.Network.Parameters.ToNamedTensors())
            .Append(new NamedTensor(Idf, [f.Sentence.FeatureCount], f.Sentence.Idf.ToArray()));
        if (diet.Linear is { Classifier: var linear })
            tensors = tensors.Append(new NamedTensor(LinearWeight, [linear.FeatureCount, linear.Labels.Count], linear.Weights.ToArray()))
                .Append(new NamedTensor(LinearBias, [linear.Labels.Count], linear.Bias.ToArray()));
        writer.AddTensors(Weights, tensors);
        writer.AddBytes(SentenceKeys, NluComponent.KeyBytes(f.Sentence.Keys));
        writer.AddBytes(TokenKeys, NluComponent.KeyBytes(f.TokenKeys));
        writer.AddComponent(NluComponent.Name, Type, new DietComponentConfig(model.Config, model.FallbackThreshold, diet.Network.Shape,
            diet.Labels, f.Sentence.Config, f.Sentence.FeatureCount, f.TokenKeys.Length, f.MaxTokens, diet.EntityTypes,
            f.Patterns?.Regexes ?? [], f.Patterns?.Lookups ?? [], diet.Synonyms,
            diet.Linear is { } blend ? new LinearBlendConfig(blend.Classifier.Temperature, blend.Weight) : null), [Weights, SentenceKeys, TokenKeys]);
    }

    public static NluModel Read(ModelArchiveReader reader)
    {
        var component = reader.Component(NluComponent.Name, Type);
        var c = reader.Config<DietComponentConfig>(component);
        var patterns = c.Regexes.Count + c.Lookups.Count > 0 ? new EntityPatterns(c.Regexes, c.Lookups) : null;
        var tensors = reader.Tensors(Weights);
        var sentence = new SparseVectorizer(c.Features, NluComponent.ReadKeys(reader, SentenceKeys, c.SentenceFeatureCount),
            NluComponent.Tensor(reader, tensors, Weights, Idf, c.SentenceFeatureCount), patterns);
        var featurizer = new DietFeaturizer(sentence, NluComponent.ReadKeys(reader, TokenKeys, c.TokenFeatureCount), patterns, c.MaxTokens);
        if (featurizer.ColumnCount != c.Shape.Columns)
            throw new ModelArchiveException($"{reader.Path}: DIET's input has {c.Shape.Columns} rows but its vocabularies {featurizer.ColumnCount} features");
        var network = new DietNetwork(c.Shape, DietTrainer.IntentParts(c.Intents).PartsOf);
        network.Allocate(0);
        foreach (var p in network.AllParameters)
            NluComponent.Tensor(reader, tensors, Weights, p.Name, p.Length).CopyTo(p.Span);
        var tags = c.EntityTypes.Count > 0 ? new EntityTagSet(c.EntityTypes, TagScheme.Bilou, crf: true) : null;
        DietModel.LinearBlend? blend = null;
        if (c.Linear is { } lc)
        {
            int k = c.Intents.Count, sf = c.SentenceFeatureCount;
            blend = new(new Nlu.Intents.IntentClassifier(c.Intents, NluComponent.Tensor(reader, tensors, Weights, LinearWeight, sf * k),
                NluComponent.Tensor(reader, tensors, Weights, LinearBias, k), lc.Temperature), lc.Weight);
        }
        var diet = new DietModel(featurizer, network, c.Intents, tags, c.Synonyms, blend);
        return new NluModel(c.Config, diet, tags is null && patterns is null ? null : diet, c.FallbackThreshold);
    }
}
