using Kefu.Nlu;

namespace Kefu.Models;

/// <summary>
/// A trained model: one zip file holding manifest.json and each component's entries. Today the NLU;
/// the dialogue engine adds its component by writing it beside the NLU in <see cref="Save"/>'s writer.
/// </summary>
public sealed record ModelArchive(ModelManifest Manifest, NluModel Nlu)
{
    public static void Save(string path, NluModel nlu, Action<ModelArchiveWriter>? moreComponents = null)
    {
        using var writer = new ModelArchiveWriter(path);
        NluComponent.Write(writer, nlu);
        moreComponents?.Invoke(writer);
        writer.Complete();
    }

    /// <summary>Loads and verifies <paramref name="path"/>; throws <see cref="ModelArchiveException"/> on a bad file.</summary>
    public static ModelArchive Load(string path)
    {
        var reader = ModelArchiveReader.Open(path);
        return new ModelArchive(reader.Manifest, NluComponent.Read(reader));
    }
}
