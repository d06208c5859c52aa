using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Pretrained;

namespace Kefu.Models;

/// <summary>
/// Stores an NLU whose intents and entities come from a fine-tuned transformer (config.yml's TransformerClassifier) as
/// the "nlu" component of type nlu.transformer.v1: the model's Hugging Face folder under nlu/transformer/, and the
/// fallback threshold, regexes, lookups and synonyms in the manifest; loading unpacks the folder (<see cref="ArchivedFolder"/>).
/// </summary>
public static class TransformerComponent
{
    public const string Type = "nlu.transformer.v1";
    private const string Folder = "nlu/transformer/";

    public sealed record TransformerComponentConfig(
        NluConfig Config,
        float FallbackThreshold,
        string BaseModel,
        IReadOnlyList<RegexFeature> Regexes,
        IReadOnlyList<LookupTable> Lookups,
        IReadOnlyDictionary<string, string> Synonyms);

    public static void Write(ModelArchiveWriter writer, NluModel model, TransformerParser parser)
    {
        string staging = Path.Combine(Path.GetTempPath(), "kefu-transformer-" + Guid.NewGuid().ToString("N"));
        try
        {
            parser.Nlu.Save(staging);
            var files = Directory.GetFiles(staging).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
            var entries = ArchivedFolder.Write(writer, Folder, staging, files);
            writer.AddComponent(NluComponent.Name, Type, new TransformerComponentConfig(model.Config, model.FallbackThreshold,
                parser.Nlu.ConfigSource, parser.Patterns?.Regexes ?? [], parser.Patterns?.Lookups ?? [], parser.Synonyms), entries);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    public static NluModel Read(ModelArchiveReader reader)
    {
        var component = reader.Component(NluComponent.Name, Type);
        var config = reader.Config<TransformerComponentConfig>(component);
        if (!component.Entries.Contains(Folder + Checkpoint.SingleFile))
            throw new ModelArchiveException($"{reader.Path}: the transformer component has no {Checkpoint.SingleFile}");
        string folder = ArchivedFolder.Unpack(reader, component, Folder);
        TransformerNlu nlu;
        try
        {
            nlu = TransformerNlu.Load(folder);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new ModelArchiveException($"{reader.Path}: the transformer component does not load: {e.Message}", e);
        }
        var patterns = config.Regexes.Count + config.Lookups.Count > 0 ? new EntityPatterns(config.Regexes, config.Lookups) : null;
        var parser = new TransformerParser(nlu, patterns, config.Synonyms);
        return new NluModel(config.Config, parser, nlu.Tags is null && patterns is null ? null : parser, config.FallbackThreshold);
    }
}
