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
    /// project); otherwise the registry's promoted version (PROJECT/models/versions/ID.kefu; without a registry,
    /// PROJECT/models/model.kefu) when it was trained from the project's current files by this Kefu version, else a
    /// fresh training run registered and promoted (<see cref="RegisteredTraining"/>). A version promoted by hand
    /// (kefu models promote or rollback) is served even when the project changed since: a rollback survives a restart.
    /// </summary>
    public static TrainedBot LoadOrTrain(string projectDirectory, string? modelPath, IProgress<string>? progress = null)
    {
        if (modelPath is not null) return Load(modelPath);
        string models = ModelRegistry.ModelsDirectory(projectDirectory);
        var registry = ModelRegistry.Read(models);
        var path = registry.PromotedVersion is { } promoted && File.Exists(ModelRegistry.ArchivePath(models, promoted))
            ? ModelRegistry.ArchivePath(models, promoted)
            : ProjectTrainer.DefaultModelPath(projectDirectory);
        string reason = $"no model at {path}";
        bool projectChanged = false;
        if (File.Exists(path) && OpenIfUpToDate(path, projectDirectory, out reason, out projectChanged) is { } reader)
        {
            progress?.Report($"using {path}");
            return Load(path, RasaProject.Load(projectDirectory), reader);
        }
        if (projectChanged && registry.PromotedByHand)
        {
            progress?.Report($"using {path}: {registry.Promoted} was promoted by hand, though {reason}; kefu train trains the current files");
            return Load(path);
        }
        progress?.Report($"training: {reason}");
        var project = RasaProject.Load(projectDirectory);
        var run = RegisteredTraining.Train(project, candidate: false, testData: null, progress);
        progress?.Report(run.Decision);
        return new TrainedBot(project, run.Training.Nlu, run.Training.Policies, run.Training.ModelPath, run.Version.Created);
    }

    /// <summary>
    /// An archive of the project's registry, with the project's own files when it was trained from them (as kefu serve
    /// starts), else with the copy stored in the archive.
    /// </summary>
    public static TrainedBot LoadFor(string projectDirectory, string modelPath)
    {
        var reader = ModelArchiveReader.Open(modelPath);
        var (_, config) = DialogueComponent.Read(reader);
        return config.ProjectFingerprint == DialogueComponent.Fingerprint(projectDirectory)
            ? Load(modelPath, RasaProject.Load(projectDirectory), reader)
            : Load(modelPath);
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
    private static ModelArchiveReader? OpenIfUpToDate(string modelPath, string projectDirectory, out string reason, out bool projectChanged)
    {
        projectChanged = false;
        try
        {
            var reader = ModelArchiveReader.Open(modelPath);
            var (_, config) = DialogueComponent.Read(reader);
            projectChanged = config.ProjectFingerprint != DialogueComponent.Fingerprint(projectDirectory);
            reason = reader.Manifest.KefuVersion != ModelManifest.CurrentKefuVersion ? $"{modelPath} was trained by Kefu {reader.Manifest.KefuVersion}"
                : projectChanged ? "the project changed since it was trained"
                : "";
            projectChanged &= reason.Length > 0 && reader.Manifest.KefuVersion == ModelManifest.CurrentKefuVersion;
            return reason.Length == 0 ? reader : null;
        }
        catch (ModelArchiveException e)
        {
            reason = e.Message;
            return null;
        }
    }
}
