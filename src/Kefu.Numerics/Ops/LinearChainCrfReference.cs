using System.Buffers;
using System.Diagnostics;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Scalar reference of <see cref="LinearChainCrf"/> (same shapes and contracts), in double precision:
/// the test oracle and the readable statement of the forward-backward and Viterbi recursions.
/// </summary>
public static class LinearChainCrfReference
{
    /// <summary>ln Z, the log-sum-exp of the scores of every tag sequence.</summary>
    public static float LogPartition(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int tagCount)
    {
        Validate(emissions, transitions, start, end, length, tagCount);
        var alpha = ArrayPool<double>.Shared.Rent(length * tagCount);
        try
        {
            return (float)Forward(emissions, transitions, start, end, length, tagCount, alpha);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(alpha);
        }
    }

    /// <summary>score(<paramref name="tags"/>), the unnormalized log-score of one tag sequence.</summary>
    public static float Score(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount)
    {
        int length = tags.Length;
        Validate(emissions, transitions, start, end, length, tagCount);
        double score = start[tags[0]] + end[tags[length - 1]];
        for (int t = 0; t < length; t++)
        {
            score += emissions[t * tagCount + tags[t]];
            if (t > 0) score += transitions[tags[t - 1] * tagCount + tags[t]];
        }
        return (float)score;
    }

    /// <summary>
    /// Returns −ln p(<paramref name="tags"/>) and adds its gradients to the four gradient buffers
    /// (same shapes as the parameters): expected minus observed feature counts.
    /// </summary>
    public static float NegativeLogLikelihood(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount,
        Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient, Span<float> endGradient)
    {
        int length = tags.Length, k = tagCount;
        Validate(emissions, transitions, start, end, length, k);
        if (emissionsGradient.Length < length * k || transitionsGradient.Length < k * k
            || startGradient.Length < k || endGradient.Length < k)
            throw new ArgumentException("gradient buffers are smaller than the parameters");
        foreach (int tag in tags)
            if ((uint)tag >= (uint)k) throw new ArgumentOutOfRangeException(nameof(tags), $"tag {tag} is not in [0, {k})");

        var alpha = ArrayPool<double>.Shared.Rent(length * k);  // [T, K] log forward messages
        var beta = ArrayPool<double>.Shared.Rent(length * k);   // [T, K] log backward messages
        try
        {
            double logZ = Forward(emissions, transitions, start, end, length, k, alpha);
            Backward(emissions, transitions, end, length, k, beta);

            for (int t = 0; t < length; t++)
                for (int j = 0; j < k; j++)
                {
                    float marginal = (float)Math.Exp(alpha[t * k + j] + beta[t * k + j] - logZ);
                    emissionsGradient[t * k + j] += marginal;
                    if (t == 0) startGradient[j] += marginal;
                    if (t == length - 1) endGradient[j] += marginal;
                }
            for (int t = 1; t < length; t++)
                for (int i = 0; i < k; i++)
                {
                    double a = alpha[(t - 1) * k + i] - logZ;
                    for (int j = 0; j < k; j++)
                        transitionsGradient[i * k + j] += (float)Math.Exp(
                            a + transitions[i * k + j] + emissions[t * k + j] + beta[t * k + j]);
                }

            startGradient[tags[0]] -= 1f;
            endGradient[tags[length - 1]] -= 1f;
            for (int t = 0; t < length; t++)
            {
                emissionsGradient[t * k + tags[t]] -= 1f;
                if (t > 0) transitionsGradient[tags[t - 1] * k + tags[t]] -= 1f;
            }
            return (float)(logZ - Score(emissions, transitions, start, end, tags, k));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(alpha);
            ArrayPool<double>.Shared.Return(beta);
        }
    }

    /// <summary>Writes the highest-scoring tag sequence to <paramref name="path"/> [T]; returns its score.</summary>
    public static float Viterbi(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int tagCount, Span<int> path)
    {
        int k = tagCount;
        Validate(emissions, transitions, start, end, length, k);
        if (path.Length < length) throw new ArgumentException("path is shorter than the sequence");
        var best = ArrayPool<float>.Shared.Rent(length * k);     // [T, K] best score ending in tag j at t
        var from = ArrayPool<int>.Shared.Rent(length * k);       // [T, K] argmax predecessor
        try
        {
            for (int j = 0; j < k; j++) best[j] = start[j] + emissions[j];
            for (int t = 1; t < length; t++)
                for (int j = 0; j < k; j++)
                {
                    float top = float.NegativeInfinity;
                    int arg = 0;
                    for (int i = 0; i < k; i++)
                    {
                        float s = best[(t - 1) * k + i] + transitions[i * k + j];
                        if (s > top) { top = s; arg = i; }
                    }
                    best[t * k + j] = top + emissions[t * k + j];
                    from[t * k + j] = arg;
                }
            float bestScore = float.NegativeInfinity;
            int last = 0;
            for (int j = 0; j < k; j++)
            {
                float s = best[(length - 1) * k + j] + end[j];
                if (s > bestScore) { bestScore = s; last = j; }
            }
            path[length - 1] = last;
            for (int t = length - 1; t > 0; t--) path[t - 1] = from[t * k + path[t]];
            return bestScore;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(best);
            ArrayPool<int>.Shared.Return(from);
        }
    }

    static double Forward(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int k, double[] alpha)
    {
        for (int j = 0; j < k; j++) alpha[j] = start[j] + emissions[j];
        for (int t = 1; t < length; t++)
            for (int j = 0; j < k; j++)
            {
                double max = double.NegativeInfinity;
                for (int i = 0; i < k; i++) max = Math.Max(max, alpha[(t - 1) * k + i] + transitions[i * k + j]);
                double sum = 0;
                for (int i = 0; i < k; i++) sum += Math.Exp(alpha[(t - 1) * k + i] + transitions[i * k + j] - max);
                alpha[t * k + j] = max + Math.Log(sum) + emissions[t * k + j];
            }
        double m = double.NegativeInfinity;
        for (int j = 0; j < k; j++) m = Math.Max(m, alpha[(length - 1) * k + j] + end[j]);
        double z = 0;
        for (int j = 0; j < k; j++) z += Math.Exp(alpha[(length - 1) * k + j] + end[j] - m);
        return m + Math.Log(z);
    }

    static void Backward(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> end, int length, int k, double[] beta)
    {
        for (int i = 0; i < k; i++) beta[(length - 1) * k + i] = end[i];
        for (int t = length - 2; t >= 0; t--)
            for (int i = 0; i < k; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < k; j++)
                    max = Math.Max(max, transitions[i * k + j] + emissions[(t + 1) * k + j] + beta[(t + 1) * k + j]);
                double sum = 0;
                for (int j = 0; j < k; j++)
                    sum += Math.Exp(transitions[i * k + j] + emissions[(t + 1) * k + j] + beta[(t + 1) * k + j] - max);
                beta[t * k + i] = max + Math.Log(sum);
            }
    }

    internal static void Validate(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int tagCount)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), "a sequence needs at least one token");
        if (tagCount <= 0) throw new ArgumentOutOfRangeException(nameof(tagCount));
        if (emissions.Length < length * tagCount) throw new ArgumentException($"emissions must be [{length}, {tagCount}]");
        if (transitions.Length < tagCount * tagCount) throw new ArgumentException($"transitions must be [{tagCount}, {tagCount}]");
        if (start.Length < tagCount || end.Length < tagCount) throw new ArgumentException($"start and end must be [{tagCount}]");
        Debug.Assert(length * tagCount > 0);
    }
}
