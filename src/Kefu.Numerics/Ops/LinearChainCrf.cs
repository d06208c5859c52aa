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
    /// Forward-backward in probability space with per-step scaling (Rabiner 1989, §V.A): with M = exp(transitions − max)
    /// [K, K], E_t = exp(emissions[t] − max) [K] and S, N the same of start and end,
    ///   â_0 = S ⊙ E_0 / c_0,  â_t = (â_(t-1)ᵀ M) ⊙ E_t / c_t       (c_t makes Σ â_t = 1)
    ///   b̂_(T-1) = N / z,      b̂_t = M (E_(t+1) ⊙ b̂_(t+1)) / c_(t+1)   (z = â_(T-1) · N)
    ///   p(y_t = j) = â_t[j] b̂_t[j],  p(y_(t-1) = i, y_t = j) = â_(t-1)[i] M[i, j] E_t[j] b̂_t[j] / c_t
    ///   ln Z = Σ ln c_t + ln z + the maxima taken out.
    /// K² multiply-adds a step instead of K² exponentials; a sequence whose scale factors leave float's range falls back to
    /// the log-space recursion (<see cref="NegativeLogLikelihoodLogSpace"/>).
    /// </summary>
    public static float NegativeLogLikelihood(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount,
        Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient, Span<float> endGradient)
    {
        Check(emissions, transitions, start, end, tags, tagCount, emissionsGradient, transitionsGradient, startGradient, endGradient);
        return TryScaled(emissions, transitions, start, end, tags, tagCount, emissionsGradient, transitionsGradient, startGradient,
            endGradient, out float loss)
            ? loss
            : NegativeLogLikelihoodLogSpace(emissions, transitions, start, end, tags, tagCount,
                emissionsGradient, transitionsGradient, startGradient, endGradient);
    }

    /// <summary>The scaled recursion of <see cref="NegativeLogLikelihood"/>; false, with nothing added, when it leaves float's range.</summary>
    static bool TryScaled(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int k,
        Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient, Span<float> endGradient, out float loss)
    {
        int length = tags.Length;
        loss = 0f;
        var a = ArrayPool<float>.Shared.Rent(length * k);      // [T, K] scaled forward messages â
        var b = ArrayPool<float>.Shared.Rent(length * k);      // [T, K] scaled backward messages b̂
        var e = ArrayPool<float>.Shared.Rent(length * k);      // [T, K] E_t
        var m = ArrayPool<float>.Shared.Rent(k * k);           // [K, K] M
        var pair = ArrayPool<float>.Shared.Rent(k * k);        // [K, K] Σ_t â_(t-1) ⊗ (E_t ⊙ b̂_t) / c_t
        var c = ArrayPool<float>.Shared.Rent(length);          // [T] scale factors
        var work = ArrayPool<float>.Shared.Rent(3 * k);
        try
        {
            var sExp = work.AsSpan(0, k);
            var nExp = work.AsSpan(k, k);
            var v = work.AsSpan(2 * k, k);
            // ln Z = the maxima taken out — T − 1 transitions, start, end, each emission row — plus the scaled sums
            double logZ = (length - 1) * (double)ExpShifted(transitions[..(k * k)], m) + ExpShifted(start[..k], sExp) + ExpShifted(end[..k], nExp);
            for (int t = 0; t < length; t++) logZ += ExpShifted(emissions.Slice(t * k, k), e.AsSpan(t * k, k));

            // forward
            TensorPrimitives.Multiply(sExp, e.AsSpan(0, k), a.AsSpan(0, k));
            if (!Normalize(a, c, 0, k)) return false;
            for (int t = 1; t < length; t++)
            {
                var at = a.AsSpan(t * k, k);
                at.Clear();
                for (int i = 0; i < k; i++)   // â_(t-1)ᵀ M, row by row
                    if (a[(t - 1) * k + i] != 0f) TensorPrimitives.MultiplyAdd(m.AsSpan(i * k, k), a[(t - 1) * k + i], at, at);
                TensorPrimitives.Multiply(at, e.AsSpan(t * k, k), at);
                if (!Normalize(a, c, t, k)) return false;
            }
            float z = TensorPrimitives.Dot(a.AsSpan((length - 1) * k, k), nExp);
            if (!(z > 0f) || !float.IsFinite(z)) return false;
            for (int t = 0; t < length; t++) logZ += Math.Log(c[t]);
            logZ += Math.Log(z);

            // backward
            TensorPrimitives.Divide(nExp, z, b.AsSpan((length - 1) * k, k));
            for (int t = length - 2; t >= 0; t--)
            {
                TensorPrimitives.Multiply(e.AsSpan((t + 1) * k, k), b.AsSpan((t + 1) * k, k), v);
                for (int i = 0; i < k; i++)
                    b[t * k + i] = TensorPrimitives.Dot(m.AsSpan(i * k, k), v) / c[t + 1];
            }

            // marginals into the gradients; pairwise ones through Σ_t â_(t-1) ⊗ v_t / c_t, times M at the end
            var pairs = pair.AsSpan(0, k * k);
            pairs.Clear();
            for (int t = 0; t < length; t++)
            {
                var row = emissionsGradient.Slice(t * k, k);
                TensorPrimitives.MultiplyAdd(a.AsSpan(t * k, k), b.AsSpan(t * k, k), row, row);
                if (t == 0) TensorPrimitives.MultiplyAdd(a.AsSpan(0, k), b.AsSpan(0, k), startGradient[..k], startGradient[..k]);
                if (t == length - 1)
                    TensorPrimitives.MultiplyAdd(a.AsSpan(t * k, k), b.AsSpan(t * k, k), endGradient[..k], endGradient[..k]);
                if (t == 0) continue;
                TensorPrimitives.Multiply(e.AsSpan(t * k, k), b.AsSpan(t * k, k), v);
                for (int i = 0; i < k; i++)
                {
                    float weight = a[(t - 1) * k + i] / c[t];
                    if (weight != 0f) TensorPrimitives.MultiplyAdd(v, weight, pairs.Slice(i * k, k), pairs.Slice(i * k, k));
                }
            }
            TensorPrimitives.Multiply(pairs, m.AsSpan(0, k * k), pairs);
            TensorPrimitives.Add(transitionsGradient[..(k * k)], pairs, transitionsGradient[..(k * k)]);
            SubtractObserved(tags, k, emissionsGradient, transitionsGradient, startGradient, endGradient);
            loss = (float)(logZ - Score(emissions, transitions, start, end, tags, k));
            return true;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(a);
            ArrayPool<float>.Shared.Return(b);
            ArrayPool<float>.Shared.Return(e);
            ArrayPool<float>.Shared.Return(m);
            ArrayPool<float>.Shared.Return(pair);
            ArrayPool<float>.Shared.Return(c);
            ArrayPool<float>.Shared.Return(work);
        }
    }

    /// <summary>out = exp(x − max x); returns max x.</summary>
    static float ExpShifted(ReadOnlySpan<float> x, Span<float> output)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, output[..x.Length]);
        TensorPrimitives.Exp(output[..x.Length], output[..x.Length]);
        return max;
    }

    /// <summary>c[t] = Σ â_t, â_t /= c[t]; false when the sum is not a positive finite float.</summary>
    static bool Normalize(float[] a, float[] c, int t, int k)
    {
        var row = a.AsSpan(t * k, k);
        float sum = TensorPrimitives.Sum(row);
        if (!(sum > 1e-30f) || !float.IsFinite(sum)) return false;
        TensorPrimitives.Divide(row, sum, row);
        c[t] = sum;
        return true;
    }

    static void Check(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions, ReadOnlySpan<float> start, ReadOnlySpan<float> end,
        ReadOnlySpan<int> tags, int k, Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient,
        Span<float> endGradient)
    {
        int length = tags.Length;
        LinearChainCrfReference.Validate(emissions, transitions, start, end, length, k);
        if (emissionsGradient.Length < length * k || transitionsGradient.Length < k * k
            || startGradient.Length < k || endGradient.Length < k)
            throw new ArgumentException("gradient buffers are smaller than the parameters");
        foreach (int tag in tags)
            if ((uint)tag >= (uint)k) throw new ArgumentOutOfRangeException(nameof(tags), $"tag {tag} is not in [0, {k})");
    }

    /// <summary>The observed counts of <paramref name="tags"/>, subtracted from the expected ones.</summary>
    static void SubtractObserved(ReadOnlySpan<int> tags, int k, Span<float> emissionsGradient, Span<float> transitionsGradient,
        Span<float> startGradient, Span<float> endGradient)
    {
        int length = tags.Length;
        startGradient[tags[0]] -= 1f;
        endGradient[tags[length - 1]] -= 1f;
        for (int t = 0; t < length; t++)
        {
            emissionsGradient[t * k + tags[t]] -= 1f;
            if (t > 0) transitionsGradient[tags[t - 1] * k + tags[t]] -= 1f;
        }
    }

    /// <summary>
    /// <see cref="NegativeLogLikelihood"/> by log-sum-exps: K² exponentials a step, but no scale factor to leave float's range.
    /// </summary>
    internal static float NegativeLogLikelihoodLogSpace(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions,
        ReadOnlySpan<float> start, ReadOnlySpan<float> end, ReadOnlySpan<int> tags, int tagCount,
        Span<float> emissionsGradient, Span<float> transitionsGradient, Span<float> startGradient, Span<float> endGradient)
    {
        int length = tags.Length, k = tagCount;
        Check(emissions, transitions, start, end, tags, k, emissionsGradient, transitionsGradient, startGradient, endGradient);
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

            SubtractObserved(tags, k, emissionsGradient, transitionsGradient, startGradient, endGradient);
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
