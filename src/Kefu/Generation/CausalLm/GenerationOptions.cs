namespace Kefu.Generation.CausalLm;

/// <summary>
/// How tokens are chosen, after transformers' GenerationConfig: greedy (do_sample false) or sampling with repetition
/// penalty, then temperature, top-k and top-p, in that order (transformers generation/logits_process.py).
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate at most per sequence; generation also ends at the model's context.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Always the most likely token (the first on ties); sampling options are then ignored, except the repetition penalty.</summary>
    public bool Greedy { get; init; } = true;

    public float Temperature { get; init; } = 1f;

    /// <summary>Keep the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the fewest most likely tokens whose probabilities sum to at least P; 1 keeps all.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>CTRL's penalty (Keskar et al., 2019) on tokens of the prompt and the output: logit / θ when positive, · θ when negative; 1 is off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Tokens never chosen (transformers' suppress_tokens: their logits go to −∞ after the repetition penalty).</summary>
    public IReadOnlyList<int> SuppressTokenIds { get; init; } = [];

    /// <summary>Tokens that end a sequence (kept in its output); null uses config.json's eos_token_id.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>Token sequences that end a sequence when its output ends with one (kept in the output).</summary>
    public IReadOnlyList<int[]> StopSequences { get; init; } = [];

    /// <summary>Texts that end a sequence when its decoded output contains one (needs a tokenizer; the text is cut before it).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Sequence b of a batch samples from the stream seeded Seed + b, so it draws the same tokens alone or batched.</summary>
    public ulong Seed { get; init; }

    /// <summary>Beams of a beam search (<see cref="BeamSearch"/>; transformers' num_beams); 1 decodes token by token. Needs <see cref="Greedy"/>.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>The most beams one search keeps: 1,000 beams of GPT-2-tiny already take 35 s and 720 MB per prompt.</summary>
    public const int MaxBeams = 256;

    /// <summary>A beam hypothesis scores Σ log p / length^LengthPenalty: above 0 favours longer ones (transformers' length_penalty).</summary>
    public float LengthPenalty { get; init; } = 1f;

    public void Validate()
    {
        if (MaxNewTokens < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), $"MaxNewTokens must be ≥ 0, got {MaxNewTokens}.");
        if (!(Temperature > 0f) || float.IsInfinity(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), $"Temperature must be a positive number, got {Temperature}.");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(TopK), $"TopK must be ≥ 0, got {TopK}.");
        if (!(TopP > 0f && TopP <= 1f))
            throw new ArgumentOutOfRangeException(nameof(TopP), $"TopP must be in (0, 1], got {TopP}.");
        if (!(RepetitionPenalty > 0f) || float.IsInfinity(RepetitionPenalty))
            throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), $"RepetitionPenalty must be a positive number, got {RepetitionPenalty}.");
        if (NumBeams is < 1 or > MaxBeams)
            throw new ArgumentOutOfRangeException(nameof(NumBeams), $"beams must be from 1 to {MaxBeams}, got {NumBeams} (each beam keeps a KV cache slot).");
        if (NumBeams > 1 && !Greedy)
            throw new ArgumentException("Beam search does not sample: use NumBeams > 1 with Greedy (no temperature, top-k or top-p).", nameof(NumBeams));
        if (!float.IsFinite(LengthPenalty))
            throw new ArgumentOutOfRangeException(nameof(LengthPenalty), $"LengthPenalty must be a finite number, got {LengthPenalty}.");
        if (StopSequences.Any(s => s is null || s.Length == 0))
            throw new ArgumentException("Stop sequences must hold at least one token.", nameof(StopSequences));
        if (StopStrings.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Stop strings must not be empty.", nameof(StopStrings));
    }
}

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token, sequence or string.</summary>
    Stop,
    /// <summary>MaxNewTokens, or the model's context, was reached.</summary>
    Length,
}

/// <summary>One prompt's output: the generated ids (stop tokens included), why it ended, and its text when a tokenizer is known.</summary>
public sealed record GeneratedSequence(int[] PromptIds, int[] GeneratedIds, FinishReason FinishReason, string? Text = null);

/// <summary>
/// Where text meets token ids: the seam for a tokenizer (byte-level BPE, chat templates) that lives elsewhere.
/// Decoding from ids alone needs none.
/// </summary>
public interface ITokenCodec
{
    int[] Encode(string text);

    string Decode(IReadOnlyList<int> ids);
}
