using System.Diagnostics;
using Kefu.Dialogue.Policies;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Training;

public sealed record TrainingResult(string ModelPath, NluModel Nlu, PolicyModel Policies, TimeSpan Elapsed);

/// <summary>
/// One training run of a loaded project: the NLU and the dialogue policies, written as two components of
/// one model archive.
/// </summary>
public static class ProjectTrainer
{
    public static string DefaultModelPath(string projectDirectory) => Path.Combine(projectDirectory, "models", "model.kefu");

    /// <summary>
    /// The NLU config a project asks for: Rasa's FallbackClassifier threshold and ambiguity_threshold (defaults 0.3 and
    /// 0.1, as Rasa's). A pipeline without a FallbackClassifier never says nlu_fallback, as in Rasa; no pipeline at all
    /// is Rasa's default one, which has it.
    /// </summary>
    public static NluConfig NluConfigFor(RasaProject project) => NluConfigFor(project.Config);

    public static NluConfig NluConfigFor(ProjectConfig projectConfig)
    {
        var config = NluConfig.Default;
        if (projectConfig.FindComponent("FallbackClassifier") is { } fallback)
            config = config with
            {
                FallbackThreshold = (float)fallback.Options.GetDouble("threshold", NluConfig.DefaultFallbackThreshold),
                AmbiguityThreshold = (float)fallback.Options.GetDouble("ambiguity_threshold", 0.1),
            };
        else if (projectConfig.Pipeline.Count > 0)
            config = config with { FallbackThreshold = 0f };
        return config;
    }

    /// <summary>
    /// The NLU training a config.yml's pipeline asks for: a fine-tuned TransformerClassifier, or Kefu's linear NLU, with a
    /// LanguageModelFeaturizer's sentence embeddings among its features when the pipeline has one. Options are checked
    /// here; the model is resolved and loaded when training starts.
    /// </summary>
    public static Func<NluTrainingData, NluModel> NluTrainerFor(ProjectConfig projectConfig, NluConfig config, IProgress<string>? progress)
    {
        var featurizer = projectConfig.FindComponent(LanguageModelFeaturizerConfig.ComponentName);
        if (projectConfig.FindComponent(TransformerClassifierConfig.ComponentName) is { } component)
        {
            var transformer = TransformerClassifierConfig.Read(component, progress);
            if (featurizer is not null)
                progress?.Report($"{featurizer.Location}: warning: {LanguageModelFeaturizerConfig.ComponentName} is not used: the " +
                    $"TransformerClassifier ({component.Location}) fine-tunes {transformer.Model} and classifies intents and entities " +
                    "itself; remove one of the two (docs/models.md)");
            return data => TransformerNluTrainer.Train(data, config, transformer, progress);
        }
        if (featurizer is not null)
        {
            var options = LanguageModelFeaturizerConfig.Read(featurizer, progress);
            return data => NluTrainer.Train(data, config with { DenseWeight = options.DenseWeight }, progress, options.Load(progress));
        }
        return data => NluTrainer.Train(data, config, progress);
    }

    public static TrainingResult Train(RasaProject project, string modelPath, IProgress<string>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        if (project.Nlu.Examples.Count == 0)
            throw new ProjectException([new Diagnostic(Severity.Error,
                new SourceLocation(Path.GetFullPath(Path.Combine(project.Directory, "data")), 1, 1), RasaProject.NoExamples)]);
        progress?.Report($"training the NLU on {project.Nlu.Examples.Count} examples");
        var nlu = NluTrainerFor(project.Config, NluConfigFor(project), progress)(project.Nlu);
        progress?.Report($"training the dialogue policies on {project.Stories.Count} stories and {project.Rules.Count} rules");
        var policies = PolicyModel.Train(project);
        ModelArchive.Save(modelPath, nlu, writer => DialogueComponent.Write(writer, project, policies));
        progress?.Report($"model written to {modelPath}");
        return new TrainingResult(modelPath, nlu, policies, clock.Elapsed);
    }
}
