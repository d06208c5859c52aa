using System.Security.Cryptography;
using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Pretrained;

namespace Kefu.Models;

/// <summary>
/// Stores an NLU whose intents and entities come from a fine-tuned transformer (config.yml's TransformerClassifier) as
/// the "nlu" component of type nlu.transformer.v1: the model's Hugging Face folder under nlu/transformer/, and the
/// fallback threshold, regexes, lookups and synonyms in the manifest. Loading unpacks the folder once into a cache
/// named after the weights' SHA-256 (the archive has checked every entry against the manifest first).
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
            var entries = new List<string>();
            foreach (string file in Directory.GetFiles(staging).Order(StringComparer.Ordinal))
            {
                string entry = Folder + Path.GetFileName(file);
                writer.AddBytes(entry, File.ReadAllBytes(file));
                entries.Add(entry);
            }
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
        string weights = component.Entries.FirstOrDefault(e => e.EndsWith("/" + Checkpoint.SingleFile, StringComparison.Ordinal))
            ?? throw new ModelArchiveException($"{reader.Path}: the transformer component has no {Checkpoint.SingleFile}");
        string key = Convert.ToHexStringLower(SHA256.HashData(reader.Bytes(weights)))[..16];
        string folder = Path.Combine(Path.GetTempPath(), "kefu-transformers", key);
        if (!component.Entries.All(e => File.Exists(Path.Combine(folder, Path.GetFileName(e))) && new FileInfo(Path.Combine(folder, Path.GetFileName(e))).Length == reader.Bytes(e).Length))
        {
            string staging = folder + "." + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            foreach (string entry in component.Entries)
                File.WriteAllBytes(Path.Combine(staging, Path.GetFileName(entry)), reader.Bytes(entry).ToArray());
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                Directory.Delete(staging, recursive: true);   // another process unpacked the same model first
            }
        }
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
