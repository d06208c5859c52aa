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
/// A model with a language model's dense features is of type nlu.dense.v1 (an older Kefu says it cannot read it):
/// its intent weights have D rows after the F sparse ones, and the encoder's Hugging Face folder is kept under
/// nlu/encoder/ (<see cref="ArchivedFolder"/>), so the archive loads offline.
/// </summary>
public static class NluComponent
{
    public const string Name = "nlu";
    public const string Type = "nlu.v1";
    public const string DenseType = "nlu.dense.v1";
    /// <summary>Multi-intent labels learnt part by part (<see cref="IntentParts"/>): an older Kefu would read the parts as labels.</summary>
    public const string PartsType = "nlu.parts.v1";
    const string IntentWeights = "nlu/intents.safetensors";
    const string IntentKeys = "nlu/intents.keys.u64";
    const string EntityWeights = "nlu/entities.safetensors";
    const string EntityKeys = "nlu/entities.keys.u64";
    const string EncoderFolder = "nlu/encoder/";

    /// <summary>What the manifest records for the NLU: config, label maps and calibration.</summary>
    public sealed record NluComponentConfig(
        NluConfig Config,
        IReadOnlyList<string> Intents,
        float Temperature,
        float FallbackThreshold,
        int FeatureCount,
        EntityComponentConfig? Entities,
        PatternConfig? IntentPatterns = null,
        DenseComponentConfig? Dense = null,
        PartsComponentConfig? Parts = null);

    /// <summary>With multi-intent parts: <see cref="NluComponentConfig.Intents"/> are the parts; these are the whole labels.</summary>
    public sealed record PartsComponentConfig(string Separator, IReadOnlyList<string> Labels, float Scale, float Offset);

    /// <summary>
    /// The dense block: the language model as config.yml named it (model_weights, revision), its <paramref name="Dimension"/>
    /// D and the <paramref name="Weight"/> its unit-length embedding is scaled by.
    /// </summary>
    public sealed record DenseComponentConfig(string Model, string? Revision, int Dimension, float Weight);

    /// <summary>The regexes and lookup tables whose matches are intent features.</summary>
    public sealed record PatternConfig(IReadOnlyList<RegexFeature> Regexes, IReadOnlyList<LookupTable> Lookups);

    public sealed record EntityComponentConfig(
        IReadOnlyList<string> EntityTypes,
        int FeatureCount,
        IReadOnlyDictionary<string, string> Synonyms,
        IReadOnlyList<RegexFeature> Regexes,
        IReadOnlyList<LookupTable> Lookups,
        bool SentenceFeatures = false);

    public static void Write(ModelArchiveWriter writer, NluModel model)
    {
        if (model.Intents is TransformerParser transformer)
        {
            TransformerComponent.Write(writer, model, transformer);
            return;
        }
        if (model.Intents is Nlu.Diet.DietModel diet)
        {
            DietComponent.Write(writer, model, diet);
            return;
        }
        if (model.Intents is not SparseIntentModel sparse || model.Entities is not (null or EntityExtractor))
            throw new ArgumentException($"NLU models of {model.Intents.GetType().Name} cannot be saved.");
        var intents = sparse.Classifier;
        var vectorizer = sparse.Vectorizer;
        int f = vectorizer.FeatureCount, c = intents.Labels.Count;
        writer.AddTensors(IntentWeights,
        [
            new NamedTensor("weight", [intents.FeatureCount, c], intents.Weights.ToArray()),
            new NamedTensor("bias", [c], intents.Bias.ToArray()),
            new NamedTensor("idf", [f], vectorizer.Idf.ToArray()),
        ]);
        writer.AddBytes(IntentKeys, KeyBytes(vectorizer.Keys));
        var entries = new List<string> { IntentWeights, IntentKeys };
        DenseComponentConfig? denseConfig = null;
        if (sparse.Dense is { } dense)
        {
            var lm = dense.Model;
            entries.AddRange(ArchivedFolder.Write(writer, EncoderFolder, lm.Folder, ArchivedFolder.ModelFilesOf(lm.Folder)));
            denseConfig = new DenseComponentConfig(lm.Name, lm.Revision, dense.Dimension, dense.Weight);
        }

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
            entityConfig = new EntityComponentConfig(e.EntityTypes, e.Keys.Length, e.Synonyms, e.Patterns.Regexes, e.Patterns.Lookups,
                e.SentenceFeatures);
        }
        var partsConfig = sparse.Parts is { } parts ? new PartsComponentConfig(parts.Separator, parts.Labels, parts.Scale, parts.Offset) : null;
        string type = partsConfig is not null ? PartsType : denseConfig is null ? Type : DenseType;
        writer.AddComponent(Name, type, new NluComponentConfig(model.Config, intents.Labels,
            intents.Temperature, model.FallbackThreshold, f, entityConfig,
            vectorizer.Patterns is { } p ? new PatternConfig(p.Regexes, p.Lookups) : null, denseConfig, partsConfig), entries);
    }

    public static NluModel Read(ModelArchiveReader reader)
    {
        string? type = reader.Manifest.Components.FirstOrDefault(c => c.Name == Name)?.Type;
        if (type == TransformerComponent.Type)
            return TransformerComponent.Read(reader);
        if (type == DietComponent.Type)
            return DietComponent.Read(reader);
        var component = reader.Component(Name, type is DenseType or PartsType ? type : Type);
        var config = reader.Config<NluComponentConfig>(component);
        if ((type == PartsType) != (config.Parts is not null))
            throw new ModelArchiveException($"{reader.Path}: component '{Name}' of type '{type}' {(config.Parts is null ? "lacks" : "has")} intent parts");
        if (type != PartsType && (type == DenseType) != (config.Dense is not null))
            throw new ModelArchiveException($"{reader.Path}: component '{Name}' of type '{type}' {(config.Dense is null ? "lacks" : "has")} a dense block");
        int c = config.Intents.Count, f = config.FeatureCount, d = config.Dense?.Dimension ?? 0;
        var keys = ReadKeys(reader, IntentKeys, f);
        var tensors = reader.Tensors(IntentWeights);
        var patterns = config.IntentPatterns is { } ip ? new EntityPatterns(ip.Regexes, ip.Lookups) : null;
        var vectorizer = new SparseVectorizer(config.Config.Features, keys, Tensor(reader, tensors, IntentWeights, "idf", f), patterns);
        var classifier = new IntentClassifier(config.Intents.ToArray(),
            Tensor(reader, tensors, IntentWeights, "weight", (f + d) * c), Tensor(reader, tensors, IntentWeights, "bias", c), config.Temperature);
        DenseFeatures? dense = config.Dense is { } dc ? new DenseFeatures(ReadLanguageModel(reader, component, dc), dc.Weight) : null;

        EntityExtractor? entities = null;
        if (config.Entities is { } ec)
        {
            int k = 1 + 4 * ec.EntityTypes.Count;
            var et = reader.Tensors(EntityWeights);
            entities = new EntityExtractor(ec.EntityTypes.ToArray(), ReadKeys(reader, EntityKeys, ec.FeatureCount),
                Tensor(reader, et, EntityWeights, "emissions", ec.FeatureCount * k),
                Tensor(reader, et, EntityWeights, "transitions", k * k),
                Tensor(reader, et, EntityWeights, "start", k), Tensor(reader, et, EntityWeights, "end", k),
                new EntityPatterns(ec.Regexes, ec.Lookups), ec.Synonyms, ec.SentenceFeatures);
        }
        var parts = config.Parts is { } pc ? new IntentParts(pc.Separator, pc.Labels, pc.Scale, pc.Offset) : null;
        if (parts is not null && !parts.Parts.SequenceEqual(config.Intents))
            throw new ModelArchiveException($"{reader.Path}: the intent parts of component '{Name}' do not match its labels");
        return new NluModel(config.Config, vectorizer, classifier, entities, config.FallbackThreshold, dense, parts);
    }

    static LanguageModel ReadLanguageModel(ModelArchiveReader reader, ComponentManifest component, DenseComponentConfig config)
    {
        string folder = ArchivedFolder.Unpack(reader, component, EncoderFolder);
        LanguageModel model;
        try
        {
            model = LanguageModel.Load(config.Model, config.Revision, folder);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new ModelArchiveException($"{reader.Path}: the language model of the dense features does not load: {e.Message}", e);
        }
        if (model.Dimension != config.Dimension)
            throw new ModelArchiveException($"{reader.Path}: the language model gives {model.Dimension} dimensions, the intent model expects {config.Dimension}");
        return model;
    }

    internal static byte[] KeyBytes(ReadOnlySpan<ulong> keys)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model archives are little-endian");
        return MemoryMarshal.AsBytes(keys).ToArray();
    }

    internal static ulong[] ReadKeys(ModelArchiveReader reader, string entry, int count)
    {
        var bytes = reader.Bytes(entry);
        if (bytes.Length != count * sizeof(ulong))
            throw new ModelArchiveException($"{reader.Path}: entry '{entry}' holds {bytes.Length} bytes, expected {count} keys");
        return MemoryMarshal.Cast<byte, ulong>(bytes).ToArray();
    }

    internal static float[] Tensor(ModelArchiveReader reader, Dictionary<string, float[]> tensors, string entry, string name, int length)
    {
        if (!tensors.TryGetValue(name, out var values))
            throw new ModelArchiveException($"{reader.Path}: entry '{entry}' has no tensor '{name}'");
        if (values.Length != length)
            throw new ModelArchiveException($"{reader.Path}: tensor '{name}' in '{entry}' has {values.Length} values, expected {length}");
        return values;
    }
}
