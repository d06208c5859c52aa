using Kefu.Nlu.Features;

namespace Kefu.Nlu.Diet;

/// <summary>
/// How a DIET model is trained; config.yml's DIETClassifier options in brackets (docs/project-format.md). Defaults are
/// Kefu's, chosen on validation splits of training files (docs/benchmarks.md), not Rasa's: Rasa's 300 epochs of a
/// 256-wide transformer take hours on two cores.
/// </summary>
/// <param name="Epochs">[epochs] passes over the training data.</param>
/// <param name="BatchSize">[batch_size] messages per step (Rasa's [64, 256] range: the first number is used).</param>
/// <param name="LearningRate">[learning_rate] AdamW's peak rate, after a warm-up of 5% of the steps and then decaying linearly.</param>
/// <param name="Hidden">[transformer_size] width of the transformer.</param>
/// <param name="Layers">[number_of_transformer_layers].</param>
/// <param name="Heads">[number_of_attention_heads].</param>
/// <param name="EmbeddingDimension">[embedding_dimension] of the similarity head's sentence and label embeddings.</param>
/// <param name="Head">[loss_type: cross_entropy → similarity; kefu: intent_head softmax|similarity].</param>
/// <param name="DropRate">[drop_rate] dropout on the input and inside the transformer.</param>
/// <param name="AttentionDropRate">[drop_rate_attention].</param>
/// <param name="WeightDecay">[weight_decay] AdamW's decoupled decay on matrices (Rasa: regularization_constant).</param>
/// <param name="LabelSmoothing">[label_smoothing] for the intent loss.</param>
/// <param name="EntityLossWeight">[entity_loss_weight] the CRF loss's weight against the intent loss.</param>
/// <param name="MaxTokens">[max_tokens] tokens per message; the rest are cut off.</param>
/// <param name="EvaluateExamples">[evaluate_on_number_of_examples] held out of training to watch accuracy per epoch.</param>
/// <param name="EarlyStoppingPatience">[early_stopping_patience] epochs without a better held-out accuracy before stopping (0: never).</param>
/// <param name="Seed">[random_seed].</param>
/// <param name="LinearWeight">[linear_weight] the share of Kefu's linear intent model in the intent probabilities (0: DIET alone).</param>
/// <param name="Features">The sentence row's n-grams (the linear NLU's).</param>
public sealed record DietOptions(
    int Epochs = 20,
    int BatchSize = 32,
    float LearningRate = 1e-3f,
    int Hidden = 128,
    int Layers = 2,
    int Heads = 4,
    int EmbeddingDimension = 20,
    IntentHead Head = IntentHead.Softmax,
    float DropRate = 0.2f,
    float AttentionDropRate = 0f,
    float WeightDecay = 0.01f,
    float LabelSmoothing = 0.1f,
    float EntityLossWeight = 1f,
    int MaxTokens = 64,
    int EvaluateExamples = 0,
    int EarlyStoppingPatience = 0,
    int Seed = 1,
    float LinearWeight = 0f,
    SparseFeatureConfig? Features = null)
{
    public SparseFeatureConfig SentenceFeatures => Features ?? new SparseFeatureConfig();

    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Check(BatchSize >= 1, $"batch_size must be at least 1, got {BatchSize}");
        Check(LearningRate is > 0f and < 1f, $"learning_rate must be in (0, 1), got {LearningRate}");
        Check(Hidden >= 8 && Heads >= 1 && Hidden % Heads == 0, $"transformer_size {Hidden} must be at least 8 and divisible by number_of_attention_heads {Heads}");
        Check(Layers >= 0, $"number_of_transformer_layers must be 0 or more, got {Layers}");
        Check(EmbeddingDimension >= 1, $"embedding_dimension must be at least 1, got {EmbeddingDimension}");
        Check(DropRate is >= 0f and < 1f && AttentionDropRate is >= 0f and < 1f, "drop_rate and drop_rate_attention must be in [0, 1)");
        Check(WeightDecay >= 0f, $"weight_decay must be 0 or more, got {WeightDecay}");
        Check(LabelSmoothing is >= 0f and < 1f, $"label_smoothing must be in [0, 1), got {LabelSmoothing}");
        Check(EntityLossWeight >= 0f, $"entity_loss_weight must be 0 or more, got {EntityLossWeight}");
        Check(MaxTokens >= 1, $"max_tokens must be at least 1, got {MaxTokens}");
        Check(EvaluateExamples >= 0 && EarlyStoppingPatience >= 0, "evaluate_on_number_of_examples and early_stopping_patience must be 0 or more");
        Check(LinearWeight is >= 0f and <= 1f, $"linear_weight must be in [0, 1], got {LinearWeight}");
        Check(EarlyStoppingPatience == 0 || EvaluateExamples > 0, "early_stopping_patience needs evaluate_on_number_of_examples > 0 (the examples it watches)");
    }
}
