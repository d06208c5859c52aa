using System.Numerics.Tensors;
using Kefu.Numerics;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// Picks the next token from one row of logits, as transformers' generate: RepetitionPenaltyLogitsProcessor and
/// SuppressTokensLogitsProcessor, then
/// TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper, then a draw from the softmax (or argmax when greedy).
/// Legend: V vocabulary.
/// </summary>
public static class TokenSampler
{
    /// <param name="logits">[V], modified in place (penalised, scaled, filtered to −∞).</param>
    /// <param name="previous">Prompt and generated ids so far, for the repetition penalty.</param>
    public static int Next(Span<float> logits, ReadOnlySpan<int> previous, GenerationOptions options, Rng rng)
    {
        Penalize(logits, previous, options);
        if (options.Greedy)
            return TensorPrimitives.IndexOfMax(logits);
        if (options.Temperature != 1f)
            TensorPrimitives.Divide(logits, options.Temperature, logits);
        if (options.TopK > 0 && options.TopK < logits.Length)
            KeepTopK(logits, options.TopK);
        if (options.TopP < 1f)
            KeepTopP(logits, options.TopP);
        return Draw(logits, rng);
    }

    /// <summary>The processors before any warper, which beam search applies too: the repetition penalty, then suppressed tokens to −∞.</summary>
    public static void Penalize(Span<float> logits, ReadOnlySpan<int> previous, GenerationOptions options)
    {
        if (options.RepetitionPenalty != 1f)
            PenalizeRepetition(logits, previous, options.RepetitionPenalty);
        foreach (int id in options.SuppressTokenIds)
        {
            if ((uint)id < (uint)logits.Length)
                logits[id] = float.NegativeInfinity;
        }
    }

    // each distinct previous token once: logit / θ when positive, logit · θ otherwise
    public static void PenalizeRepetition(Span<float> logits, ReadOnlySpan<int> previous, float penalty)
    {
        var seen = new HashSet<int>();
        foreach (int id in previous)
        {
            if ((uint)id >= (uint)logits.Length || !seen.Add(id))
                continue;
            logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
        }
    }

    // tokens below the k-th largest logit go to −∞ (ties with it stay, as torch.topk's threshold does)
    public static void KeepTopK(Span<float> logits, int k)
    {
        var sorted = logits.ToArray();
        Array.Sort(sorted, (a, b) => b.CompareTo(a));
        float threshold = sorted[k - 1];
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < threshold)
                logits[i] = float.NegativeInfinity;
        }
    }

    // the fewest most likely tokens whose probabilities reach p stay (the one that crosses p included); the rest go to −∞
    public static void KeepTopP(Span<float> logits, float p)
    {
        var probabilities = new float[logits.Length];
        TensorPrimitives.SoftMax(logits, probabilities);
        var order = Enumerable.Range(0, logits.Length).ToArray();
        Array.Sort(order, (a, b) => probabilities[b].CompareTo(probabilities[a]) is var c && c != 0 ? c : a.CompareTo(b));
        double cumulative = 0;
        int kept = 0;
        while (kept < order.Length && (kept == 0 || cumulative < p))
            cumulative += probabilities[order[kept++]];
        for (int i = kept; i < order.Length; i++)
            logits[order[i]] = float.NegativeInfinity;
    }

    // inverse-CDF draw from softmax(logits)
    public static int Draw(ReadOnlySpan<float> logits, Rng rng)
    {
        var probabilities = new float[logits.Length];
        TensorPrimitives.SoftMax(logits, probabilities);
        double u = rng.NextFloat(), cumulative = 0;
        int last = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0f)
                continue;
            last = i;
            cumulative += probabilities[i];
            if (u < cumulative)
                return i;
        }
        return last; // rounding left u above the total
    }
}
