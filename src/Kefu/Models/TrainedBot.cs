using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Models;

/// <summary>A bot ready to run: its project (domain, config, data), its NLU and its policies, and where they came from.</summary>
public sealed record TrainedBot(RasaProject Project, NluModel Nlu, PolicyModel Policies, string ModelPath, DateTimeOffset TrainedAt)
{
    public string ModelId => Path.GetFileNameWithoutExtension(ModelPath) + "@" + TrainedAt.ToString("yyyyMMddTHHmmssZ");

    /// <summary>
    /// The model of a project: with <paramref name="modelPath"/>, that archive as it is (its own copy of the
    /// project); otherwise PROJECT/models/model.kefu when it was trained from the project's current files by
    /// this Kefu version, else a fresh training run written there.
    /// </summary>
    public static TrainedBot LoadOrTrain(string projectDirectory, string? modelPath, IProgress<string>? progress = null)
    {
        if (modelPath is not null) return Load(modelPath);
        var path = ProjectTrainer.DefaultModelPath(projectDirectory);
        string reason = $"no model at {path}";
        if (File.Exists(path) && OpenIfUpToDate(path, projectDirectory, out reason) is { } reader)
        {
            progress?.Report($"using {path}");
            return Load(path, RasaProject.Load(projectDirectory), reader);
        }
        progress?.Report($"training: {reason}");
        var project = RasaProject.Load(projectDirectory);
        var trained = ProjectTrainer.Train(project, path, progress);
        return new TrainedBot(project, trained.Nlu, trained.Policies, Path.GetFullPath(path), DateTimeOffset.UtcNow);
    }

    /// <summary>Loads an archive and the project stored in it (extracted beside the system's temp files).</summary>
    public static TrainedBot Load(string modelPath)
    {
        var reader = ModelArchiveReader.Open(modelPath);
        var (_, config) = DialogueComponent.Read(reader);
        var directory = Path.Combine(Path.GetTempPath(), "kefu-projects", config.ProjectFingerprint[..16]);
        DialogueComponent.ExtractProject(reader, directory);
        return Load(modelPath, RasaProject.Load(directory), reader);
    }

    private static TrainedBot Load(string modelPath, RasaProject project, ModelArchiveReader? reader = null)
    {
        reader ??= ModelArchiveReader.Open(modelPath);
        var (policies, _) = DialogueComponent.Read(reader);
        return new TrainedBot(project, NluComponent.Read(reader), policies, Path.GetFullPath(modelPath), reader.Manifest.Created);
    }

    /// <summary>The archive when this Kefu version trained it from the project's current files; else null and why.</summary>
    private static ModelArchiveReader? OpenIfUpToDate(string modelPath, string projectDirectory, out string reason)
    {
        try
        {
            var reader = ModelArchiveReader.Open(modelPath);
            var (_, config) = DialogueComponent.Read(reader);
            reason = reader.Manifest.KefuVersion != ModelManifest.CurrentKefuVersion ? $"{modelPath} was trained by Kefu {reader.Manifest.KefuVersion}"
                : config.ProjectFingerprint != DialogueComponent.Fingerprint(projectDirectory) ? "the project changed since it was trained"
                : "";
            return reason.Length == 0 ? reader : null;
        }
        catch (ModelArchiveException e)
        {
            reason = e.Message;
            return null;
        }
    }
}
