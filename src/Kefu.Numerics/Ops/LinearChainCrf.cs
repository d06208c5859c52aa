using System.Buffers;
using System.Numerics.Tensors;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Linear-chain conditional random field over one sequence (Lafferty et al., 2001): negative
/// log-likelihood with its gradients by the forward-backward algorithm, and Viterbi decoding.
/// Shapes (T tokens, K tags): emissions [T, K]; transitions [K, K] with transitions[i * K + j] the score
/// of tag i followed by tag j; start [K] and end [K] the scores of the first and last tag.
/// score(y) = start[y0] + Σt emissions[t, yt] + Σt transitions[y(t-1), yt] + end[y(T-1)];
/// p(y) = exp(score(y)) / Z. Every step is O(T·K²); the inner loops over K are vectorized log-sum-exps
/// in float (TensorPrimitives), which matters once tag sets reach hundreds (BILOU over many entity types).
/// <see cref="LinearChainCrfReference"/> is the scalar double-precision oracle.
/// </summary>
public static class LinearChainCrf
{
    /// <summary>ln Z, the log-sum-exp of the scores of every tag sequence.</summary>
    public static float LogPartition(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int tagCount)
    {
        LinearChainCrfReference.Validate(emissions, transitions, start, end, length, tagCount);
        var alpha = ArrayPool<float>.Shared.Rent(length * tagCount);
        var columns = ArrayPool<float>.Shared.Rent(tagCount * tagCount);
        var scratch = ArrayPool<float>.Shared.Rent(tagCount);
        try
        {
            Transpose(transitions, tagCount, columns);
            return Forward(emissions, columns, start, end, length, tagCount, alpha, scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(alpha);
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>score(<paramref name="tags"/>), the unnormalized log-score of one tag sequence.</summary>
    public static float Score(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount) =>
        LinearChainCrfReference.Score(emissions, transitions, start, end, tags, tagCount);

    /// <summary>
    /// Returns −ln p(<paramref name="tags"/>) and adds its gradients to the four gradient buffers
    /// (same shapes as the parameters): expected minus observed feature counts.
    /// </summary>
    public static float NegativeLogLikelihood(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount,
        Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient, Span<float> endGradient)
    {
        int length = tags.Length, k = tagCount;
        LinearChainCrfReference.Validate(emissions, transitions, start, end, length, k);
        if (emissionsGradient.Length < length * k || transitionsGradient.Length < k * k
            || startGradient.Length < k || endGradient.Length < k)
            throw new ArgumentException("gradient buffers are smaller than the parameters");
        foreach (int tag in tags)
            if ((uint)tag >= (uint)k) throw new ArgumentOutOfRangeException(nameof(tags), $"tag {tag} is not in [0, {k})");

        var alpha = ArrayPool<float>.Shared.Rent(length * k);    // [T, K] log forward messages
        var beta = ArrayPool<float>.Shared.Rent(length * k);     // [T, K] log backward messages
        var columns = ArrayPool<float>.Shared.Rent(k * k);       // [K, K] transitions transposed
        var scratch = ArrayPool<float>.Shared.Rent(2 * k);
        try
        {
            Transpose(transitions, k, columns);
            float logZ = Forward(emissions, columns, start, end, length, k, alpha, scratch);
            var ahead = scratch.AsSpan(k, k);   // [K] emissions[t] + beta[t]
            var term = scratch.AsSpan(0, k);

            // beta[T-1] = end; beta[t, i] = lse_j(transitions[i, j] + emissions[t+1, j] + beta[t+1, j])
            end[..k].CopyTo(beta.AsSpan((length - 1) * k, k));
            for (int t = length - 2; t >= 0; t--)
            {
                TensorPrimitives.Add(emissions.Slice((t + 1) * k, k), beta.AsSpan((t + 1) * k, k), ahead);
                for (int i = 0; i < k; i++)
                {
                    TensorPrimitives.Add(transitions.Slice(i * k, k), ahead, term);
                    beta[t * k + i] = LogSumExp(term);
                }
            }

            // marginals p(t, j) = exp(alpha + beta - ln Z)
            for (int t = 0; t < length; t++)
            {
                TensorPrimitives.Add(alpha.AsSpan(t * k, k), beta.AsSpan(t * k, k), term);
                TensorPrimitives.Subtract(term, logZ, term);
                TensorPrimitives.Exp(term, term);
                var row = emissionsGradient.Slice(t * k, k);
                TensorPrimitives.Add(row, term, row);
                if (t == 0) TensorPrimitives.Add(startGradient[..k], term, startGradient[..k]);
                if (t == length - 1) TensorPrimitives.Add(endGradient[..k], term, endGradient[..k]);
            }
            // pairwise p(t-1 = i, t = j) = exp(alpha[t-1, i] + transitions[i, j] + emissions[t, j] + beta[t, j] - ln Z)
            for (int t = 1; t < length; t++)
            {
                TensorPrimitives.Add(emissions.Slice(t * k, k), beta.AsSpan(t * k, k), ahead);
                for (int i = 0; i < k; i++)
                {
                    TensorPrimitives.Add(transitions.Slice(i * k, k), ahead, term);
                    TensorPrimitives.Add(term, alpha[(t - 1) * k + i] - logZ, term);
                    TensorPrimitives.Exp(term, term);
                    var row = transitionsGradient.Slice(i * k, k);
                    TensorPrimitives.Add(row, term, row);
                }
            }

            startGradient[tags[0]] -= 1f;
            endGradient[tags[length - 1]] -= 1f;
            for (int t = 0; t < length; t++)
            {
                emissionsGradient[t * k + tags[t]] -= 1f;
                if (t > 0) transitionsGradient[tags[t - 1] * k + tags[t]] -= 1f;
            }
            return logZ - Score(emissions, transitions, start, end, tags, k);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(alpha);
            ArrayPool<float>.Shared.Return(beta);
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Writes the highest-scoring tag sequence to <paramref name="path"/> [T]; returns its score.</summary>
    public static float Viterbi(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int tagCount, Span<int> path)
    {
        int k = tagCount;
        LinearChainCrfReference.Validate(emissions, transitions, start, end, length, k);
        if (path.Length < length) throw new ArgumentException("path is shorter than the sequence");
        var best = ArrayPool<float>.Shared.Rent(length * k);     // [T, K] best score ending in tag j at t
        var from = ArrayPool<int>.Shared.Rent(length * k);       // [T, K] argmax predecessor
        var columns = ArrayPool<float>.Shared.Rent(k * k);
        var term = ArrayPool<float>.Shared.Rent(k);
        try
        {
            Transpose(transitions, k, columns);
            var candidate = term.AsSpan(0, k);
            TensorPrimitives.Add(start[..k], emissions[..k], best.AsSpan(0, k));
            for (int t = 1; t < length; t++)
                for (int j = 0; j < k; j++)
                {
                    TensorPrimitives.Add(best.AsSpan((t - 1) * k, k), columns.AsSpan(j * k, k), candidate);
                    int arg = TensorPrimitives.IndexOfMax(candidate);
                    best[t * k + j] = candidate[arg] + emissions[t * k + j];
                    from[t * k + j] = arg;
                }
            TensorPrimitives.Add(best.AsSpan((length - 1) * k, k), end[..k], candidate);
            int last = TensorPrimitives.IndexOfMax(candidate);
            float bestScore = candidate[last];
            path[length - 1] = last;
            for (int t = length - 1; t > 0; t--) path[t - 1] = from[t * k + path[t]];
            return bestScore;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(best);
            ArrayPool<int>.Shared.Return(from);
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(term);
        }
    }

    /// <summary>alpha[0] = start + emissions[0]; alpha[t, j] = emissions[t, j] + lse_i(alpha[t-1, i] + transitions[i, j]).</summary>
    static float Forward(ReadOnlySpan<float> emissions, ReadOnlySpan<float> columns,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, int length, int k, float[] alpha, float[] scratch)
    {
        var term = scratch.AsSpan(0, k);
        TensorPrimitives.Add(start[..k], emissions[..k], alpha.AsSpan(0, k));
        for (int t = 1; t < length; t++)
            for (int j = 0; j < k; j++)
            {
                TensorPrimitives.Add(alpha.AsSpan((t - 1) * k, k), columns.Slice(j * k, k), term);
                alpha[t * k + j] = LogSumExp(term) + emissions[t * k + j];
            }
        TensorPrimitives.Add(alpha.AsSpan((length - 1) * k, k), end[..k], term);
        return LogSumExp(term);
    }

    /// <summary>ln Σ exp(x), stable; overwrites <paramref name="x"/>.</summary>
    static float LogSumExp(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max)) return max;
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        return max + MathF.Log(TensorPrimitives.Sum(x));
    }

    static void Transpose(ReadOnlySpan<float> matrix, int k, Span<float> transposed)
    {
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                transposed[j * k + i] = matrix[i * k + j];
    }
}
