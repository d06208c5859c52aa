using System.Diagnostics;
using Kefu.Dialogue.Policies;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Extractors.Duckling;
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
    /// is Rasa's default one, which has it. A DucklingEntityExtractor's options are read and checked here
    /// (<see cref="DucklingConfig.Read"/>); its warnings go to <paramref name="progress"/>.
    /// </summary>
    public static NluConfig NluConfigFor(RasaProject project, IProgress<string>? progress = null) => NluConfigFor(project.Config, progress);

    public static NluConfig NluConfigFor(ProjectConfig projectConfig, IProgress<string>? progress = null)
    {
        var config = NluConfig.Default;
        if (projectConfig.FindComponent(DucklingConfig.ComponentName) is { } duckling)
            config = config with { Duckling = DucklingConfig.Read(duckling, projectConfig.Language, progress) };
        if (projectConfig.FindComponent("FallbackClassifier") is { } fallback)
            config = config with
            {
                FallbackThreshold = (float)fallback.Options.GetDouble("threshold", NluConfig.DefaultFallbackThreshold),
                AmbiguityThreshold = (float)fallback.Options.GetDouble("ambiguity_threshold", 0.1),
            };
        else if (projectConfig.Pipeline.Count > 0)
            config = config with { FallbackThreshold = 0f };
        // Rasa's LogisticRegressionClassifier C (inverse regularisation strength) is the linear SVMs' C
        if (projectConfig.FindComponent("LogisticRegressionClassifier")?.Options.Find("C") is { } c)
            config = config with { Svm = config.Svm with { C = LogisticRegressionC(c) } };
        // Kefu's own option: the message's words as features of every token of the entity CRF
        if (projectConfig.FindComponent("CRFEntityExtractor") is { } crf && Flag(crf, "sentence_features") is { } sentence)
            config = config with { Entities = config.Entities with { SentenceFeatures = sentence } };
        // Kefu's own option: the weight of the bot's previous message as features (NluExample.Context)
        if (projectConfig.FindComponent("LogisticRegressionClassifier")?.Options.Find("context_weight") is { } context)
            config = config with { Features = config.Features with { ContextWeight = ContextWeight(context) } };
        if (projectConfig.FindComponent("JiebaTokenizer") is { } jieba)
            config = config with { Features = config.Features with { ChineseWords = true, UserWords = JiebaUserWords(jieba) } };
        if (projectConfig.Pipeline.FirstOrDefault(c => c.Name is "WhitespaceTokenizer" or "JiebaTokenizer") is { } tokenizer)
            config = config with { IntentSplitSymbol = IntentSplitSymbol(tokenizer) };
        return config;
    }

    /// <summary>
    /// Rasa's multi-intent switch: `intent_tokenization_flag: true` splits labels on `intent_split_symbol` (Rasa's default
    /// "_"); null when the flag is off.
    /// </summary>
    static string? IntentSplitSymbol(ComponentConfig tokenizer)
    {
        bool split = Flag(tokenizer, "intent_tokenization_flag") ?? false;
        var symbol = tokenizer.Options.Find("intent_split_symbol");
        if (symbol is null) return split ? "_" : null;
        if (symbol.Value is not { ValueKind: System.Text.Json.JsonValueKind.String } value || value.GetString() is not { Length: > 0 } text)
            throw new ProjectException([new Diagnostic(Severity.Error, symbol.Location,
                $"{tokenizer.Name} intent_split_symbol must be a non-empty string, got {symbol.Value}")]);
        return split ? text : null;
    }

    /// <summary>A true/false option of a component (null when absent); anything else is an error at its line.</summary>
    static bool? Flag(ComponentConfig component, string name) =>
        component.Options.Find(name) is not { } option ? null : option.Value.ValueKind switch
        {
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            System.Text.Json.JsonValueKind.String when bool.TryParse(option.Value.GetString(), out bool b) => b,
            _ => throw new ProjectException([new Diagnostic(Severity.Error, option.Location,
                $"{component.Name} {name} must be true or false, got {option.Value}")]),
        };

    static float ContextWeight(ComponentOption option) =>
        option.Value is { ValueKind: System.Text.Json.JsonValueKind.Number } v && v.GetDouble() is >= 0 and var w && double.IsFinite(w)
            ? (float)w
            : throw new ProjectException([new Diagnostic(Severity.Error, option.Location,
                $"LogisticRegressionClassifier context_weight must be a number ≥ 0, got {option.Value}")]);

    static float LogisticRegressionC(ComponentOption option) =>
        option.Value is { ValueKind: System.Text.Json.JsonValueKind.Number } v && v.GetDouble() is > 0 and var c && double.IsFinite(c)
            ? (float)c
            : throw new ProjectException([new Diagnostic(Severity.Error, option.Location,
                $"LogisticRegressionClassifier C must be a positive number, got {option.Value}")]);

    /// <summary>
    /// The words of a JiebaTokenizer's dictionary_path (a folder of jieba user dictionaries or one file), relative to the
    /// config file's folder; a path that does not exist is an error at its line.
    /// </summary>
    static IReadOnlyList<string>? JiebaUserWords(ComponentConfig jieba)
    {
        var reader = new ComponentOptionReader(jieba, ["dictionary_path", "intent_tokenization_flag", "intent_split_symbol", "token_pattern", "prefix_separator_symbol"], null);
        string? path = reader.Text("dictionary_path");
        reader.ThrowIfErrors();
        if (path is null) return null;
        string full = Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(jieba.Location.File)) ?? ".");
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new ProjectException([new Diagnostic(Severity.Error, jieba.Options.Find("dictionary_path")!.Location,
                $"JiebaTokenizer dictionary_path '{path}' does not exist (looked for {full})")]);
        return Kefu.Text.ChineseWords.ReadUserDictionary(full);
    }

    /// <summary>
    /// The NLU training a config.yml's pipeline asks for: a fine-tuned TransformerClassifier, a DIETClassifier trained from
    /// scratch, or Kefu's linear NLU, with a
    /// LanguageModelFeaturizer's sentence embeddings among its features when the pipeline has one. Options are checked
    /// here; the model is resolved and loaded when training starts.
    /// </summary>
    public static Func<NluTrainingData, NluModel> NluTrainerFor(ProjectConfig projectConfig, NluConfig config, IProgress<string>? progress)
    {
        if ((projectConfig.FindComponent(TransformerClassifierConfig.ComponentName) ??
                projectConfig.FindComponent(DietClassifierConfig.ComponentName)) is { } own)
        {
            if (config.IntentSplitSymbol is not null)
                progress?.Report($"{own.Location}: warning: intent_tokenization_flag is honoured by Kefu's linear intent model only: {own.Name} " +
                    "learns whole labels (DIETClassifier's similarity head embeds the '+'-separated parts of a label)");
            if (config.Features.ContextWeight > 0)
                progress?.Report($"{own.Location}: warning: context_weight is honoured by Kefu's linear intent model only: {own.Name} " +
                    "reads the message alone");
            // what these models (and DIET's linear blend) learn: whole labels, no context
            config = config with { IntentSplitSymbol = null, Features = config.Features with { ContextWeight = 0 } };
        }
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
        if (projectConfig.FindComponent(DietClassifierConfig.ComponentName) is { } diet)
        {
            var options = DietClassifierConfig.Read(diet, progress);
            if (featurizer is not null)
                progress?.Report($"{featurizer.Location}: warning: {LanguageModelFeaturizerConfig.ComponentName} is not used by Kefu's " +
                    $"DIETClassifier ({diet.Location}), which reads its own n-gram features; remove one of the two (docs/models.md)");
            return data => DietNluTrainer.Train(data, config, options, progress);
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
        foreach (var warning in PipelineCheck.CatalogWarnings(project.Config))
            progress?.Report(warning);
        progress?.Report($"training the NLU on {project.Nlu.Examples.Count} examples");
        var nlu = NluTrainerFor(project.Config, NluConfigFor(project, progress), progress)(project.Nlu);
        progress?.Report($"training the dialogue policies on {project.Stories.Count} stories and {project.Rules.Count} rules");
        var policies = PolicyModel.Train(project);
        ModelArchive.Save(modelPath, nlu, writer => DialogueComponent.Write(writer, project, policies));
        progress?.Report($"model written to {modelPath}");
        return new TrainingResult(modelPath, nlu, policies, clock.Elapsed);
    }
}
