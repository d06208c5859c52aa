using Kefu.Nlu;

namespace Kefu.Models;

public sealed class ModelArchiveException(string message) : Exception(message);

public sealed record ModelArchive(NluModel Nlu)
{
    public static ModelArchive Load(string path) => throw new ModelArchiveException("not yet");
}
