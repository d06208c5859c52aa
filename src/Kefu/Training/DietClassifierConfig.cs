using System.Text.Json;
using Kefu.Nlu.Diet;
using Kefu.Projects;

namespace Kefu.Training;

/// <summary>
/// config.yml's `- name: DIETClassifier`: Kefu's DIET (<see cref="DietTrainer"/>), trained from scratch on the project's
/// intents and entities. Rasa's options that Kefu runs are read; Rasa's options that it does not run are warned about,
/// each with what happens instead; anything else is an unknown option (a warning too).
/// </summary>
public static class DietClassifierConfig
{
    public const string ComponentName = "DIETClassifier";

    static readonly string[] Implemented =
    [
        "epochs", "batch_size", "learning_rate", "transformer_size", "number_of_transformer_layers", "number_of_attention_heads",
        "embedding_dimension", "drop_rate", "drop_rate_attention", "random_seed", "evaluate_on_number_of_examples",
        "entity_recognition", "loss_type", "similarity_type", "model_confidence",
        // Kefu's own
        "intent_head", "weight_decay", "label_smoothing", "entity_loss_weight", "max_tokens", "early_stopping_patience", "linear_weight",
    ];

    /// <summary>Rasa's DIETClassifier options Kefu accepts but does not run, and what it does instead.</summary>
    static readonly Dictionary<string, string> NotRun = new()
    {
        ["constrain_similarities"] = "confidences are always a softmax over intents",
        ["BILOU_flag"] = "entities are always tagged BILOU",
        ["intent_classification"] = "intents are always classified",
        ["use_masked_language_model"] = "no masked-language-model loss is trained",
        ["hidden_layers_sizes"] = "sparse features go straight into the transformer's width",
        ["dense_dimension"] = "sparse features go straight into the transformer's width",
        ["concat_dimension"] = "sparse features go straight into the transformer's width",
        ["regularization_constant"] = "use weight_decay (AdamW's decoupled decay, default 0.01)",
        ["weight_sparsity"] = "the input layer is dense over the features seen in training",
        ["connection_density"] = "the input layer is dense over the features seen in training",
        ["number_of_negative_examples"] = "every intent is a negative example of every other",
        ["maximum_positive_similarity"] = "the loss is cross-entropy over all intents",
        ["maximum_negative_similarity"] = "the loss is cross-entropy over all intents",
        ["use_maximum_negative_similarity"] = "the loss is cross-entropy over all intents",
        ["negative_margin_scale"] = "the loss is cross-entropy over all intents",
        ["scale_loss"] = "the loss is not rescaled",
        ["max_relative_position"] = "positions are learned absolute embeddings",
        ["unidirectional_encoder"] = "the encoder is bidirectional",
        ["evaluate_every_number_of_epochs"] = "held-out examples are evaluated after every epoch",
        ["checkpoint_model"] = "with evaluate_on_number_of_examples the best epoch's weights are kept",
        ["tensorboard_log_directory"] = "progress is printed, not logged for TensorBoard",
        ["tensorboard_log_level"] = "progress is printed, not logged for TensorBoard",
        ["ranking_length"] = "the parse ranks the ten best intents",
        ["renormalize_confidence"] = "confidences are a softmax over all intents",
        ["split_entities_by_comma"] = "entities are split as tagged",
        ["sparse_input_dropout"] = "drop_rate applies to the input layer's output",
        ["dense_input_dropout"] = "drop_rate applies to the input layer's output",
        ["use_text_as_label"] = "intents are labels",
        ["featurizers"] = "DIET reads Kefu's own n-gram and token features",
        ["run_eagerly"] = "not a TensorFlow model",
        ["learning_rate_schedule"] = "warm-up over 5% of the steps, then linear decay",
    };

    public static DietOptions Read(ComponentConfig component, IProgress<string>? warnings = null)
    {
        foreach (var option in component.Options.Entries.Where(e => NotRun.ContainsKey(e.Key)))
            warnings?.Report($"{option.Location}: warning: {ComponentName} option '{option.Key}' is not run by Kefu and is ignored: {NotRun[option.Key]}");
        var r = new ComponentOptionReader(component, [.. Implemented, .. NotRun.Keys], warnings);
        var d = new DietOptions();
        int batch = BatchSize(r, component, d.BatchSize);
        var head = r.Choice("intent_head", d.Head, new Dictionary<string, IntentHead> { ["softmax"] = IntentHead.Softmax, ["similarity"] = IntentHead.Similarity });
        if (r.Text("loss_type") is { } loss && loss != "cross_entropy")
            r.Error("loss_type", $"'{loss}' is not run by Kefu: DIET's loss is cross_entropy");
        if (r.Text("similarity_type") is { } similarity && similarity is not ("inner" or "auto"))
            r.Error("similarity_type", $"'{similarity}' is not run by Kefu: similarities are inner products");
        if (r.Text("model_confidence") is { } confidence && confidence != "softmax")
            r.Error("model_confidence", $"'{confidence}' is not run by Kefu: confidences are a softmax");
        var options = new DietOptions(
            Epochs: r.Int("epochs", d.Epochs),
            BatchSize: batch,
            LearningRate: r.Float("learning_rate", d.LearningRate),
            Hidden: r.Int("transformer_size", d.Hidden),
            Layers: r.Int("number_of_transformer_layers", d.Layers),
            Heads: r.Int("number_of_attention_heads", d.Heads),
            EmbeddingDimension: r.Int("embedding_dimension", d.EmbeddingDimension),
            Head: head,
            DropRate: r.Float("drop_rate", d.DropRate),
            AttentionDropRate: r.Float("drop_rate_attention", d.AttentionDropRate),
            WeightDecay: r.Float("weight_decay", d.WeightDecay),
            LabelSmoothing: r.Float("label_smoothing", d.LabelSmoothing),
            EntityLossWeight: r.Bool("entity_recognition", true) ? r.Float("entity_loss_weight", d.EntityLossWeight) : 0f,
            MaxTokens: r.Int("max_tokens", d.MaxTokens),
            EvaluateExamples: r.Int("evaluate_on_number_of_examples", d.EvaluateExamples),
            EarlyStoppingPatience: r.Int("early_stopping_patience", d.EarlyStoppingPatience),
            Seed: r.Int("random_seed", d.Seed),
            LinearWeight: r.Float("linear_weight", d.LinearWeight));
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            r.Error(null, e.Message);
        }
        r.ThrowIfErrors();
        return options;
    }

    /// <summary>Rasa's batch_size is a number or [min, max] (batches grow over the epochs); Kefu trains with the first.</summary>
    static int BatchSize(ComponentOptionReader r, ComponentConfig component, int fallback)
    {
        if (component.Options.Find("batch_size") is not { Value.ValueKind: JsonValueKind.Array } list) return r.Int("batch_size", fallback);
        var first = list.Value.EnumerateArray().FirstOrDefault();
        if (first.ValueKind == JsonValueKind.Number && first.TryGetInt32(out int size)) return size;
        r.Error("batch_size", $"must be a number or [min, max], got {list.Value}");
        return fallback;
    }
}
