using System.Text.Json;
using Kefu.Hub;
using Kefu.Nlu.Features;
using Kefu.Nlu.Pretrained;
using Kefu.Projects;

namespace Kefu.Training;

/// <summary>
/// config.yml's `- name: LanguageModelFeaturizer` (Rasa's dense featurizer): the pretrained encoder named by
/// model_weights (a hub id or a local folder) whose sentence embedding joins the linear intent model's features.
/// model_name is only checked to be a BERT-family name; cache_dir is Rasa's and ignored (the Hugging Face cache is
/// used). Kefu's own options: revision (of a hub id) and dense_weight (a number, or "auto" to choose it on held-out
/// folds of the training data). Every option is checked here, with the file:line of the one that is wrong.
/// </summary>
public sealed record LanguageModelFeaturizerConfig(string ModelWeights, string? Revision, float? DenseWeight, SourceLocation Location)
{
    public const string ComponentName = "LanguageModelFeaturizer";

    /// <summary>Rasa's model_name values Kefu runs: its BERT-family encoders (see <see cref="BertConfig.Supported"/>).</summary>
    public static readonly IReadOnlyList<string> BertFamily = ["bert", "roberta", "xlm-roberta", "camembert", "distilbert"];

    private static readonly string[] Known = ["model_name", "model_weights", "cache_dir", "revision", "dense_weight"];

    public static LanguageModelFeaturizerConfig Read(ComponentConfig component, IProgress<string>? warnings = null)
    {
        var o = component.Options;
        var errors = new List<Diagnostic>();
        foreach (var option in o.Entries.Where(e => !Known.Contains(e.Key)))
            warnings?.Report($"{option.Location}: warning: {ComponentName} has no option '{option.Key}'; it is ignored (known: {string.Join(", ", Known)})");

        string? Text(string key)
        {
            if (o.Find(key) is not { } option || option.Value.ValueKind == JsonValueKind.Null) return null;
            if (option.Value.ValueKind == JsonValueKind.String) return option.Value.GetString();
            errors.Add(new Diagnostic(Severity.Error, option.Location, $"{ComponentName} option '{key}' must be a string, got {option.Value}"));
            return null;
        }

        if (Text("model_name") is { } name && !BertFamily.Contains(name))
            warnings?.Report($"{o.Find("model_name")!.Location}: warning: {ComponentName} model_name '{name}' is not one Kefu runs " +
                $"({string.Join(", ", BertFamily)}); the model in model_weights is loaded as its config.json says");
        if (o.Find("cache_dir") is { } cache)
            warnings?.Report($"{cache.Location}: warning: {ComponentName} option 'cache_dir' is ignored; Kefu keeps models in the " +
                "Hugging Face cache (HF_HUB_CACHE, HF_HOME; see docs/models.md)");
        int before = errors.Count;
        string? weights = Text("model_weights");
        if (string.IsNullOrWhiteSpace(weights) && errors.Count == before)
            errors.Add(new Diagnostic(Severity.Error, o.Find("model_weights")?.Location ?? component.Location,
                $"{ComponentName} needs 'model_weights:', a Hugging Face hub id (sentence-transformers/all-MiniLM-L6-v2, rasa/LaBSE) " +
                "or a local model folder holding config.json, the tokenizer files and model.safetensors"));

        float? denseWeight = null;
        if (o.Find("dense_weight") is { } dw)
        {
            bool auto = dw.Value.ValueKind == JsonValueKind.String && dw.Value.GetString() == "auto";
            if (dw.Value.ValueKind == JsonValueKind.Number && dw.Value.GetDouble() is > 0 and var v && double.IsFinite(v))
                denseWeight = (float)v;
            else if (!auto)
                errors.Add(new Diagnostic(Severity.Error, dw.Location,
                    $"{ComponentName} option 'dense_weight' must be a positive number or auto, got {dw.Value}"));
        }
        string? revision = Text("revision");
        if (errors.Count > 0)
            throw new ProjectException(errors);
        return new LanguageModelFeaturizerConfig(weights!, revision, denseWeight, o.Find("model_weights")!.Location);
    }

    /// <summary>
    /// Resolves model_weights (downloading a hub id into the cache when needed) and loads the encoder; any failure is a
    /// <see cref="ProjectException"/> at the model_weights line.
    /// </summary>
    public LanguageModel Load(IProgress<string>? progress = null)
    {
        string folder;
        try
        {
            // the download's progress bars go to stderr, where the CLI's own progress goes
            folder = ModelLocator.Resolve(ModelWeights, Revision, progress is null ? null : Console.Error);
        }
        catch (HubException e)
        {
            throw Error(e.Message);
        }
        if (!File.Exists(Path.Combine(folder, "config.json")))
            throw Error($"{folder} has no config.json: name a Hugging Face model folder (config.json, vocab.txt or tokenizer.json, " +
                "model.safetensors) or a hub id");
        try
        {
            var model = LanguageModel.Load(ModelWeights, Revision, folder);
            progress?.Report($"{ComponentName}: {ModelWeights} ({folder}), {model.Dimension} dimensions, " +
                $"{model.Encoder.Pooling.ToString().ToLowerInvariant()} pooling; its sentence embedding joins the linear intent model's " +
                "features (Rasa's per-token features for DIET are not computed)");
            return model;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw Error($"{ModelWeights} does not load: {e.Message}");
        }
    }

    private ProjectException Error(string message) =>
        new([new Diagnostic(Severity.Error, Location, $"{ComponentName} option 'model_weights': {message}")]);
}
