using System.Text.Json;
using Kefu.Nlu.Pretrained;
using Kefu.Projects;

namespace Kefu.Training;

/// <summary>
/// config.yml's `- name: TransformerClassifier`: a pretrained encoder (hub id or local folder) fine-tuned for the
/// project's intents and entities. Every option is checked here, with the file:line of the one that is wrong.
/// </summary>
public sealed record TransformerClassifierConfig(string Model, string? Revision, FineTuneOptions FineTune, string? DistillTo)
{
    public const string ComponentName = "TransformerClassifier";

    private static readonly string[] Known =
    [
        "model", "revision", "epochs", "batch_size", "learning_rate", "max_length", "freeze_layers", "freeze_embeddings",
        "gradient_accumulation", "schedule", "warmup_ratio", "weight_decay", "clip_norm", "dropout", "seed", "tag_scheme",
        "crf", "entity_loss_weight", "label_smoothing", "distill_to", "pooling",
    ];

    public static TransformerClassifierConfig Read(ComponentConfig component, IProgress<string>? warnings = null)
    {
        var o = component.Options;
        var errors = new List<Diagnostic>();
        foreach (var option in o.Entries.Where(e => !Known.Contains(e.Key)))
            warnings?.Report($"{option.Location}: warning: TransformerClassifier has no option '{option.Key}'; it is ignored (known: {string.Join(", ", Known)})");

        string? Text(string key)
        {
            if (o.Find(key) is not { } option || option.Value.ValueKind == JsonValueKind.Null) return null;
            if (option.Value.ValueKind == JsonValueKind.String) return option.Value.GetString();
            errors.Add(new Diagnostic(Severity.Error, option.Location, $"TransformerClassifier option '{key}' must be a string, got {option.Value}"));
            return null;
        }
        T Number<T>(string key, T fallback, Func<JsonElement, (bool Ok, T Value)> read)
        {
            if (o.Find(key) is not { } option) return fallback;
            var (ok, value) = option.Value.ValueKind == JsonValueKind.Number ? read(option.Value) : (false, fallback);
            if (!ok)
                errors.Add(new Diagnostic(Severity.Error, option.Location, $"TransformerClassifier option '{key}' must be a number, got {option.Value}"));
            return ok ? value : fallback;
        }
        int Int(string key, int fallback) => Number(key, fallback, v => (v.TryGetInt32(out int i), i));
        float Float(string key, float fallback) => Number(key, fallback, v => (true, (float)v.GetDouble()));
        bool Bool(string key, bool fallback)
        {
            if (o.Find(key) is not { } option) return fallback;
            if (option.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) return option.Value.GetBoolean();
            errors.Add(new Diagnostic(Severity.Error, option.Location, $"TransformerClassifier option '{key}' must be true or false, got {option.Value}"));
            return fallback;
        }

        var defaults = new FineTuneOptions();
        string? model = Text("model");
        if (string.IsNullOrWhiteSpace(model))
            errors.Add(new Diagnostic(Severity.Error, component.Location,
                "TransformerClassifier needs 'model:', a Hugging Face hub id (sentence-transformers/all-MiniLM-L6-v2, bert-base-chinese) or a local model folder"));
        var schedule = Text("schedule") switch
        {
            null or "linear" => LearningRateSchedule.Linear,
            "cosine" => LearningRateSchedule.Cosine,
            "constant" => LearningRateSchedule.Constant,
            var other => Invalid(LearningRateSchedule.Linear, "schedule", $"'{other}' is not linear, cosine or constant"),
        };
        var scheme = Text("tag_scheme") switch
        {
            null or "bio" or "BIO" => TagScheme.Bio,
            "bilou" or "BILOU" => TagScheme.Bilou,
            var other => Invalid(TagScheme.Bio, "tag_scheme", $"'{other}' is not bio or bilou"),
        };
        var pooling = Text("pooling") switch
        {
            null or "pooler" => IntentPooling.Pooler,
            "mean" => IntentPooling.Mean,
            var other => Invalid(IntentPooling.Pooler, "pooling", $"'{other}' is not pooler or mean"),
        };
        float? dropout = o.Find("dropout") is null ? null : Float("dropout", 0.1f);
        var options = new FineTuneOptions(
            Int("epochs", defaults.Epochs), Int("batch_size", defaults.BatchSize), Float("learning_rate", defaults.LearningRate),
            Int("max_length", defaults.MaxLength), Int("freeze_layers", defaults.FreezeLayers), Bool("freeze_embeddings", defaults.FreezeEmbeddings),
            Int("gradient_accumulation", defaults.GradientAccumulation), schedule, Float("warmup_ratio", defaults.WarmupRatio),
            Float("weight_decay", defaults.WeightDecay), Float("clip_norm", defaults.ClipNorm), dropout, 0, Int("seed", defaults.Seed),
            scheme, Bool("crf", defaults.Crf), Float("entity_loss_weight", defaults.EntityLossWeight), Float("label_smoothing", defaults.LabelSmoothing), pooling);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(new Diagnostic(Severity.Error, component.Location, $"TransformerClassifier: {e.Message}"));
        }
        string? distillTo = o.Find("distill_to")?.Value is { ValueKind: JsonValueKind.Number } n ? n.ToString() : Text("distill_to");
        if (distillTo is not null)
        {
            try
            {
                StudentShape.Parse(distillTo);
            }
            catch (ArgumentException e)
            {
                errors.Add(new Diagnostic(Severity.Error, o.Find("distill_to")!.Location, $"TransformerClassifier option 'distill_to': {e.Message}"));
            }
        }
        if (errors.Count > 0)
            throw new ProjectException(errors);
        return new TransformerClassifierConfig(model!, Text("revision"), options, distillTo);

        T Invalid<T>(T fallback, string key, string message)
        {
            errors.Add(new Diagnostic(Severity.Error, o.Find(key)!.Location, $"TransformerClassifier option '{key}': {message}"));
            return fallback;
        }
    }
}
