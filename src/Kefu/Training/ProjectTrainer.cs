using System.Diagnostics;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Training;

public sealed record TrainingResult(string ModelPath, NluModel Nlu, TimeSpan Elapsed);

/// <summary>
/// One training run of a loaded project: NLU now; the dialogue policies join here as another component
/// written into the same archive.
/// </summary>
public static class ProjectTrainer
{
    public static string DefaultModelPath(string projectDirectory) => Path.Combine(projectDirectory, "models", "model.kefu");

    /// <summary>The NLU config a project asks for: Rasa's FallbackClassifier threshold is honoured.</summary>
    public static NluConfig NluConfigFor(RasaProject project)
    {
        var config = NluConfig.Default;
        if (project.Config.FindComponent("FallbackClassifier") is { } fallback)
            config = config with { FallbackThreshold = (float)fallback.Options.GetDouble("threshold", NluConfig.DefaultFallbackThreshold) };
        return config;
    }

    public static TrainingResult Train(RasaProject project, string modelPath, IProgress<string>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        if (project.Nlu.Examples.Count == 0)
            throw new ProjectException([new Diagnostic(Severity.Error, new SourceLocation(project.Directory, 1, 1),
                "the project has no NLU examples (data/*.yml with an 'nlu:' section)")]);
        progress?.Report($"training the NLU on {project.Nlu.Examples.Count} examples");
        var nlu = NluTrainer.Train(project.Nlu, NluConfigFor(project), progress);
        ModelArchive.Save(modelPath, nlu);
        progress?.Report($"model written to {modelPath}");
        return new TrainingResult(modelPath, nlu, clock.Elapsed);
    }
}
