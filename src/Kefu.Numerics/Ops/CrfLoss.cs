using Kefu.Numerics.Autograd;

namespace Kefu.Numerics.Ops;

/// <summary>
/// Mean negative log-likelihood of a linear-chain CRF (<see cref="LinearChainCrf"/>) over several sequences whose
/// labelled positions are picked out of one emission matrix: a token head's [B*T, L] logits scored only at each
/// word's first piece. Legend: N rows of emissions, L tags, S sequences.
/// </summary>
public static class CrfLossOp
{
    /// <summary>
    /// Returns Σ_s −ln p(tags_s) / S and writes d/d emissions [N, L] and d/d transitions [L, L], start [L], end [L]
    /// (not yet divided by S) into the gradient buffers, which it clears first.
    /// </summary>
    /// <param name="rows">For each sequence in turn, the emission rows of its labelled positions, in order.</param>
    /// <param name="tags">The gold tag of each entry of <paramref name="rows"/>.</param>
    /// <param name="lengths">[S] how many entries of <paramref name="rows"/> each sequence has (0 allowed).</param>
    public static float Forward(ReadOnlySpan<float> emissions, ReadOnlySpan<float> transitions, ReadOnlySpan<float> start,
        ReadOnlySpan<float> end, ReadOnlySpan<int> rows, ReadOnlySpan<int> tags, ReadOnlySpan<int> lengths, int tagCount,
        Span<float> dEmissions, Span<float> dTransitions, Span<float> dStart, Span<float> dEnd)
    {
        int k = tagCount, longest = 0;
        foreach (int length in lengths)
            longest = Math.Max(longest, length);
        dEmissions.Clear();
        dTransitions.Clear();
        dStart.Clear();
        dEnd.Clear();
        var picked = new float[longest * k];  // [T_s, L] the sequence's emission rows
        var dPicked = new float[longest * k];
        double total = 0;
        int at = 0, sequences = 0;
        foreach (int length in lengths)
        {
            if (length > 0)
            {
                for (int t = 0; t < length; t++)
                    emissions.Slice(rows[at + t] * k, k).CopyTo(picked.AsSpan(t * k, k));
                Array.Clear(dPicked);
                total += LinearChainCrf.NegativeLogLikelihood(picked.AsSpan(0, length * k), transitions, start, end,
                    tags.Slice(at, length), k, dPicked, dTransitions, dStart, dEnd);
                for (int t = 0; t < length; t++)
                    AddOp.Backward(dPicked.AsSpan(t * k, k), dEmissions.Slice(rows[at + t] * k, k));
                sequences++;
            }
            at += length;
        }
        return sequences == 0 ? 0f : (float)(total / sequences);
    }

    /// <summary>Scalar loss [1]. Rows, tags and lengths must stay unchanged until backward has run.</summary>
    public static Tensor CrfLoss(this Graph g, Tensor emissions, Tensor transitions, Tensor start, Tensor end,
        ReadOnlyMemory<int> rows, ReadOnlyMemory<int> tags, ReadOnlyMemory<int> lengths)
    {
        int n = emissions.Shape.Rows, k = emissions.Shape.Last;
        if (transitions.Length != k * k || start.Length != k || end.Length != k)
            throw new ArgumentException($"CrfLoss: transitions {transitions.Shape}, start {start.Shape}, end {end.Shape} do not fit {k} tags.");
        int total = 0;
        foreach (int length in lengths.Span)
            total += length >= 0 ? length : throw new ArgumentException("CrfLoss: a sequence length is negative.");
        if (rows.Length != total || tags.Length != total)
            throw new ArgumentException($"CrfLoss: {rows.Length} rows and {tags.Length} tags for sequences of {total} positions in all.");
        foreach (int row in rows.Span)
        {
            if ((uint)row >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(rows), $"CrfLoss: row {row} is outside [0, {n}).");
        }
        var loss = g.NewOutput(new Shape(1), emissions, transitions);
        loss.RequiresGrad |= g.RecordsTape && (start.RequiresGrad || end.RequiresGrad);
        var dEmissions = g.NewTensor(emissions.Shape);
        var dTransitions = g.NewTensor(new Shape(k * k + 2 * k)); // transitions, start, end
        var d = dTransitions.Span;
        loss.Span[0] = Forward(emissions.Span, transitions.Span, start.Span, end.Span, rows.Span, tags.Span, lengths.Span, k,
            dEmissions.Span, d[..(k * k)], d.Slice(k * k, k), d.Slice(k * k + k, k));
        int sequences = 0;
        foreach (int length in lengths.Span)
            sequences += length > 0 ? 1 : 0;
        if (g.Records(loss))
            g.Record(new TapeEntry { Op = BackwardOp.Instance, Output = loss, A = emissions, B = transitions, C = start, D = end,
                Saved0 = dEmissions, Saved1 = dTransitions, I0 = Math.Max(1, sequences) });
        return loss;
    }

    private sealed class BackwardOp : TapeOp
    {
        public static readonly BackwardOp Instance = new();

        public override void Backward(Graph g, in TapeEntry e)
        {
            float scale = e.Output.Grad!.Span[0] / e.I0;
            int k = e.C!.Length;
            var d = e.Saved1!.Span;
            Accumulate(g, e.A!, e.Saved0!.Span, scale);
            Accumulate(g, e.B!, d[..(k * k)], scale);
            Accumulate(g, e.C!, d.Slice(k * k, k), scale);
            Accumulate(g, e.D!, d.Slice(k * k + k, k), scale);
        }

        private static void Accumulate(Graph g, Tensor input, ReadOnlySpan<float> gradient, float scale)
        {
            if (!Graph.Wants(input))
                return;
            var target = g.GradOf(input).Span;
            for (int i = 0; i < gradient.Length; i++)
                target[i] += scale * gradient[i];
        }
    }
}
