namespace Kefu.Nlu.Pretrained;

/// <summary>What the intent head reads: BERT's pooler over [CLS] (Hugging Face's head), or the mean of the token states
/// (what sentence-transformers models such as all-MiniLM-L6-v2 were trained to make meaningful).</summary>
public enum IntentPooling
{
    Pooler,
    Mean,
}

/// <summary>How the learning rate moves after warm-up.</summary>
public enum LearningRateSchedule
{
    Linear,
    Cosine,
    Constant,
}

/// <summary>
/// Everything that shapes a fine-tuning run (the `TransformerClassifier` options of config.yml and the flags of
/// `kefu model finetune`). Defaults follow the BERT paper's fine-tuning recipe.
/// </summary>
/// <param name="FreezeLayers">The embeddings and the lowest N encoder layers stay as pretrained (0: train everything).</param>
/// <param name="FreezeEmbeddings">The embeddings stay as pretrained even with <paramref name="FreezeLayers"/> 0.</param>
/// <param name="GradientAccumulation">Micro-batches per optimizer step: the effective batch is BatchSize × this.</param>
/// <param name="WarmupRatio">Share of the optimizer steps over which the learning rate rises linearly from 0.</param>
/// <param name="ClipNorm">Global gradient-norm clipping (0: off).</param>
/// <param name="Dropout">Overrides config.json's hidden, attention and classifier dropout when set.</param>
/// <param name="EarlyStoppingPatience">Epochs without a better validation score before training stops (0: never stops early).</param>
/// <param name="EntityLossWeight">Weight of the entity head's loss beside the intent loss.</param>
/// <param name="LabelSmoothing">Label smoothing of the intent loss.</param>
/// <param name="Pooling">What the intent head reads; <see cref="IntentPooling.Mean"/> suits sentence-embedding models.</param>
public sealed record FineTuneOptions(
    int Epochs = 3,
    int BatchSize = 32,
    float LearningRate = 5e-5f,
    int MaxLength = 64,
    int FreezeLayers = 0,
    bool FreezeEmbeddings = false,
    int GradientAccumulation = 1,
    LearningRateSchedule Schedule = LearningRateSchedule.Linear,
    float WarmupRatio = 0.1f,
    float WeightDecay = 0.01f,
    float ClipNorm = 1f,
    float? Dropout = null,
    int EarlyStoppingPatience = 0,
    int Seed = 1,
    TagScheme TagScheme = TagScheme.Bio,
    bool Crf = false,
    float EntityLossWeight = 1f,
    float LabelSmoothing = 0f,
    IntentPooling Pooling = IntentPooling.Pooler)
{
    /// <summary>Every option in range, or an ArgumentException naming the first that is not.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Check(BatchSize >= 1, $"batch_size must be at least 1, got {BatchSize}");
        Check(LearningRate > 0 && LearningRate < 1, $"learning_rate must be in (0, 1), got {LearningRate}");
        Check(MaxLength is >= 3 and <= 8192, $"max_length must be in [3, 8192], got {MaxLength}");
        Check(FreezeLayers >= 0, $"freeze_layers must be 0 or more, got {FreezeLayers}");
        Check(GradientAccumulation >= 1, $"gradient_accumulation must be at least 1, got {GradientAccumulation}");
        Check(WarmupRatio is >= 0 and < 1, $"warmup_ratio must be in [0, 1), got {WarmupRatio}");
        Check(WeightDecay >= 0, $"weight_decay must be 0 or more, got {WeightDecay}");
        Check(ClipNorm >= 0, $"clip_norm must be 0 or more, got {ClipNorm}");
        Check(Dropout is null or (>= 0 and < 1), $"dropout must be in [0, 1), got {Dropout}");
        Check(EarlyStoppingPatience >= 0, $"early_stopping_patience must be 0 or more, got {EarlyStoppingPatience}");
        Check(EntityLossWeight >= 0, $"entity_loss_weight must be 0 or more, got {EntityLossWeight}");
        Check(LabelSmoothing is >= 0 and < 1, $"label_smoothing must be in [0, 1), got {LabelSmoothing}");
    }

    /// <summary>The schedule's learning-rate factor at optimizer step <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public float LearningRateFactor(int step, int totalSteps)
    {
        int warmup = (int)MathF.Round(WarmupRatio * totalSteps);
        return Schedule switch
        {
            LearningRateSchedule.Cosine => Numerics.Optim.Schedules.WarmupCosine(step, warmup, totalSteps),
            LearningRateSchedule.Constant => step < warmup ? (step + 1f) / warmup : 1f,
            _ => Numerics.Optim.Schedules.WarmupLinear(step, warmup, totalSteps),
        };
    }
}
