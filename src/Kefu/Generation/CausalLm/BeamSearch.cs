using System.Numerics.Tensors;
using Kefu.Numerics.Autograd;

namespace Kefu.Generation.CausalLm;

/// <summary>A finished beam: its generated ids, Σ log p of them, its length-normalized score, and why it ended.</summary>
public sealed record BeamHypothesis(int[] Ids, float LogProbability, float Score, FinishReason FinishReason);

/// <summary>
/// Beam search as transformers' generate with num_beams and do_sample=False (generation/beam_search.py): every step each
/// of the B live beams proposes its continuations scored by Σ log softmax (after the repetition penalty and suppressed
/// tokens, as <see cref="TokenSampler"/>); the best 2B of all proposals are walked in order, a stop token or stop sequence
/// closes a hypothesis and the others become the next B beams (stop strings only cut the chosen text:
/// <see cref="CausalLmGenerator.Result"/>). A closed hypothesis scores Σ log p / length^<see
/// cref="GenerationOptions.LengthPenalty"/> (its generated tokens, stop token included). The search ends when B
/// hypotheses are closed and no live beam can still beat the worst of them (transformers' early_stopping=False heuristic:
/// a live beam's score at its current length), or at MaxNewTokens / the context, where live beams close as they are.
/// Beam b's keys and values live in cache slot b; each step copies every continuation's parent slot into a second cache,
/// then swaps the two. Legend: B beams, V vocabulary.
/// </summary>
public static class BeamSearch
{
    /// <returns>Up to B hypotheses, best score first.</returns>
    public static IReadOnlyList<BeamHypothesis> Run(CausalLanguageModel model, int[] prompt, GenerationOptions options, CancellationToken ct = default)
    {
        options.Validate();
        if (options.MaxNewTokens == 0) return [new BeamHypothesis([], 0f, 0f, FinishReason.Length)];
        int beams = options.NumBeams, vocabulary = model.Config.VocabularySize;
        var stopIds = new HashSet<int>(options.StopTokenIds ?? model.Config.EosTokenIds);
        int capacity = Math.Min(model.Config.MaxPositions, prompt.Length + Math.Max(1, options.MaxNewTokens));
        var cache = model.NewCache(beams, capacity);
        var spare = model.NewCache(beams, capacity);
        var graph = new Graph(recordTape: false);
        var closed = new List<BeamHypothesis>();

        // prefill: the prompt in slot 0, the one live beam
        var hidden = model.HiddenCached(graph, prompt, cache, [0], prompt.Length);                   // [T, C]
        cache.Advance(0, prompt.Length);
        var logits = model.RowLogits(graph, hidden, [prompt.Length - 1]);                                 // [1, V]
        List<(int[] Ids, float LogProbability)> live = [([], 0f)];
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            // log softmax of each live beam's processed logits, then the best 2B (beam, token) proposals of all
            var proposals = new List<(int Beam, int Token, float LogProbability)>(2 * beams * live.Count);
            var row = new float[vocabulary];
            for (int b = 0; b < live.Count; b++)
            {
                logits.AsSpan(b * vocabulary, vocabulary).CopyTo(row);
                TokenSampler.Penalize(row, [.. prompt, .. live[b].Ids], options);
                float logSum = LogSumExp(row);
                foreach (int token in TopIndices(row, 2 * beams))
                    if (!float.IsNegativeInfinity(row[token]))
                        proposals.Add((b, token, live[b].LogProbability + row[token] - logSum));
            }
            proposals.Sort((x, y) => y.LogProbability.CompareTo(x.LogProbability) is var c && c != 0 ? c : (x.Beam, x.Token).CompareTo((y.Beam, y.Token)));

            var next = new List<(int Parent, int[] Ids, float LogProbability)>(beams);
            foreach (var (beam, token, logProbability) in proposals.Take(2 * beams))
            {
                int[] ids = [.. live[beam].Ids, token];
                if (stopIds.Contains(token) || options.StopSequences.Any(stop => ids.AsSpan().EndsWith(stop)))
                    Close(closed, new BeamHypothesis(ids, logProbability, Normalize(logProbability, ids.Length, options), FinishReason.Stop), beams);
                else if (next.Count < beams)
                    next.Add((beam, ids, logProbability));
            }
            int length = live[0].Ids.Length + 1;
            bool atEnd = length >= options.MaxNewTokens || prompt.Length + length > capacity;   // the next token could not be fed
            if (next.Count == 0 || atEnd)
            {
                foreach (var (_, ids, logProbability) in next)
                    Close(closed, new BeamHypothesis(ids, logProbability, Normalize(logProbability, ids.Length, options), FinishReason.Length), beams);
                break;
            }
            if (closed.Count == beams && Normalize(next[0].LogProbability, length, options) <= closed[^1].Score)
                break;

            // the continuations' caches: slot i gets its parent's keys and values, then its new token
            for (int i = 0; i < next.Count; i++)
                cache.CopySlot(next[i].Parent, spare, i);
            (cache, spare) = (spare, cache);
            live = [.. next.Select(n => (n.Ids, n.LogProbability))];
            graph.Reset();
            int[] slots = [.. Enumerable.Range(0, live.Count)];
            hidden = model.HiddenCached(graph, live.Select(l => l.Ids[^1]).ToArray(), cache, slots, 1);   // [live, C]
            foreach (int slot in slots) cache.Advance(slot, 1);
            logits = model.RowLogits(graph, hidden, slots);
        }
        return closed;
    }

    static float Normalize(float logProbability, int length, GenerationOptions options) =>
        logProbability / MathF.Pow(length, options.LengthPenalty);

    // keeps the best `beams` closed hypotheses, best first
    static void Close(List<BeamHypothesis> closed, BeamHypothesis hypothesis, int beams)
    {
        int at = closed.FindIndex(h => h.Score < hypothesis.Score);
        closed.Insert(at < 0 ? closed.Count : at, hypothesis);
        if (closed.Count > beams) closed.RemoveAt(closed.Count - 1);
    }

    // indices of the k largest values, largest first (scalar reference: sort all V indices by value)
    static IEnumerable<int> TopIndices(float[] values, int k)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        var keys = values.Select(v => -v).ToArray();
        Array.Sort(keys, order);
        return order.Take(k);
    }

    static float LogSumExp(ReadOnlySpan<float> values)
    {
        float max = TensorPrimitives.Max(values);
        double sum = 0;
        foreach (float v in values) sum += Math.Exp(v - max);
        return max + (float)Math.Log(sum);
    }
}
