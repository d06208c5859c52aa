using System.Runtime.InteropServices;
using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Features;
using Kefu.Nlu.Intents;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.IO;

namespace Kefu.Models;

/// <summary>
/// Stores an <see cref="NluModel"/> as the "nlu" component: float weights as safetensors, the hashed
/// feature vocabularies (64-bit keys) as raw little-endian u64 arrays, the rest in the manifest config.
/// </summary>
public static class NluComponent
{
    public const string Name = "nlu";
    public const string Type = "nlu.v1";
    const string IntentWeights = "nlu/intents.safetensors";
    const string IntentKeys = "nlu/intents.keys.u64";
    const string EntityWeights = "nlu/entities.safetensors";
    const string EntityKeys = "nlu/entities.keys.u64";

    /// <summary>What the manifest records for the NLU: config, label maps and calibration.</summary>
    public sealed record NluComponentConfig(
        NluConfig Config,
        IReadOnlyList<string> Intents,
        float Temperature,
        float FallbackThreshold,
        int FeatureCount,
        EntityComponentConfig? Entities,
        PatternConfig? IntentPatterns = null);

    /// <summary>The regexes and lookup tables whose matches are intent features.</summary>
    public sealed record PatternConfig(IReadOnlyList<RegexFeature> Regexes, IReadOnlyList<LookupTable> Lookups);

    public sealed record EntityComponentConfig(
        IReadOnlyList<string> EntityTypes,
        int FeatureCount,
        IReadOnlyDictionary<string, string> Synonyms,
        IReadOnlyList<RegexFeature> Regexes,
        IReadOnlyList<LookupTable> Lookups);

    public static void Write(ModelArchiveWriter writer, NluModel model)
    {
        if (model.Intents is TransformerParser transformer)
        {
            TransformerComponent.Write(writer, model, transformer);
            return;
        }
        if (model.Intents is not SparseIntentModel sparse || model.Entities is not (null or EntityExtractor))
            throw new ArgumentException($"NLU models of {model.Intents.GetType().Name} cannot be saved.");
        var intents = sparse.Classifier;
        var vectorizer = sparse.Vectorizer;
        int f = vectorizer.FeatureCount, c = intents.Labels.Count;
        writer.AddTensors(IntentWeights,
        [
            new NamedTensor("weight", [f, c], intents.Weights.ToArray()),
            new NamedTensor("bias", [c], intents.Bias.ToArray()),
            new NamedTensor("idf", [f], vectorizer.Idf.ToArray()),
        ]);
        writer.AddBytes(IntentKeys, KeyBytes(vectorizer.Keys));
        var entries = new List<string> { IntentWeights, IntentKeys };

        EntityComponentConfig? entityConfig = null;
        if (model.Entities is EntityExtractor e)
        {
            int k = e.TagCount;
            writer.AddTensors(EntityWeights,
            [
                new NamedTensor("emissions", [e.Keys.Length, k], e.Emissions.ToArray()),
                new NamedTensor("transitions", [k, k], e.Transitions.ToArray()),
                new NamedTensor("start", [k], e.Start.ToArray()),
                new NamedTensor("end", [k], e.End.ToArray()),
            ]);
            writer.AddBytes(EntityKeys, KeyBytes(e.Keys));
            entries.Add(EntityWeights);
            entries.Add(EntityKeys);
            entityConfig = new EntityComponentConfig(e.EntityTypes, e.Keys.Length, e.Synonyms, e.Patterns.Regexes, e.Patterns.Lookups);
        }
        writer.AddComponent(Name, Type, new NluComponentConfig(model.Config, intents.Labels, intents.Temperature,
            model.FallbackThreshold, f, entityConfig,
            vectorizer.Patterns is { } p ? new PatternConfig(p.Regexes, p.Lookups) : null), entries);
    }

    public static NluModel Read(ModelArchiveReader reader)
    {
        if (reader.Manifest.Components.FirstOrDefault(c => c.Name == Name)?.Type == TransformerComponent.Type)
            return TransformerComponent.Read(reader);
        var component = reader.Component(Name, Type);
        var config = reader.Config<NluComponentConfig>(component);
        int c = config.Intents.Count, f = config.FeatureCount;
        var keys = ReadKeys(reader, IntentKeys, f);
        var tensors = reader.Tensors(IntentWeights);
        var patterns = config.IntentPatterns is { } ip ? new EntityPatterns(ip.Regexes, ip.Lookups) : null;
        var vectorizer = new SparseVectorizer(config.Config.Features, keys, Tensor(reader, tensors, IntentWeights, "idf", f), patterns);
        var classifier = new IntentClassifier(config.Intents.ToArray(),
            Tensor(reader, tensors, IntentWeights, "weight", f * c), Tensor(reader, tensors, IntentWeights, "bias", c), config.Temperature);

        EntityExtractor? entities = null;
        if (config.Entities is { } ec)
        {
            int k = 1 + 4 * ec.EntityTypes.Count;
            var et = reader.Tensors(EntityWeights);
            entities = new EntityExtractor(ec.EntityTypes.ToArray(), ReadKeys(reader, EntityKeys, ec.FeatureCount),
                Tensor(reader, et, EntityWeights, "emissions", ec.FeatureCount * k),
                Tensor(reader, et, EntityWeights, "transitions", k * k),
                Tensor(reader, et, EntityWeights, "start", k), Tensor(reader, et, EntityWeights, "end", k),
                new EntityPatterns(ec.Regexes, ec.Lookups), ec.Synonyms);
        }
        return new NluModel(config.Config, vectorizer, classifier, entities, config.FallbackThreshold);
    }

    static byte[] KeyBytes(ReadOnlySpan<ulong> keys)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model archives are little-endian");
        return MemoryMarshal.AsBytes(keys).ToArray();
    }

    static ulong[] ReadKeys(ModelArchiveReader reader, string entry, int count)
    {
        var bytes = reader.Bytes(entry);
        if (bytes.Length != count * sizeof(ulong))
            throw new ModelArchiveException($"{reader.Path}: entry '{entry}' holds {bytes.Length} bytes, expected {count} keys");
        return MemoryMarshal.Cast<byte, ulong>(bytes).ToArray();
    }

    static float[] Tensor(ModelArchiveReader reader, Dictionary<string, float[]> tensors, string entry, string name, int length)
    {
        if (!tensors.TryGetValue(name, out var values))
            throw new ModelArchiveException($"{reader.Path}: entry '{entry}' has no tensor '{name}'");
        if (values.Length != length)
            throw new ModelArchiveException($"{reader.Path}: tensor '{name}' in '{entry}' has {values.Length} values, expected {length}");
        return values;
    }
}
