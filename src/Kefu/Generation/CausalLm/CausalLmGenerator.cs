using System.Runtime.CompilerServices;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// Decoding with a KV cache: the prompts run once as a right-padded batch (prefill), then each unfinished sequence
/// feeds its last token, one position per step, until a stop token, sequence or string, MaxNewTokens, or the model's
/// context. Every step adds one token per live sequence, so the loop ends after at most MaxNewTokens steps.
/// One generator runs one generation at a time; the model's parameters may be shared by several generators.
/// </summary>
public sealed class CausalLmGenerator
{
    private readonly Graph graph = new(recordTape: false);

    /// <param name="codec">Turns text into ids and back (prompts as text, stop strings, <see cref="GeneratedSequence.Text"/>); optional.</param>
    public CausalLmGenerator(CausalLanguageModel model, ITokenCodec? codec = null)
    {
        Model = model;
        Codec = codec;
    }

    public CausalLanguageModel Model { get; }

    public ITokenCodec? Codec { get; }

    /// <summary>
    /// Generates for every prompt in one batch; <paramref name="onToken"/> sees (prompt index, token) as each is chosen.
    /// With <see cref="GenerationOptions.NumBeams"/> above 1, each prompt is a beam search of its own (<see cref="Beams"/>), and
    /// <paramref name="onToken"/> sees the best hypothesis's tokens when it is done.
    /// </summary>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options,
        Action<int, int>? onToken = null, CancellationToken ct = default)
    {
        if (options.NumBeams > 1)
        {
            var results = new List<GeneratedSequence>(prompts.Count);
            for (int b = 0; b < prompts.Count; b++)
            {
                var result = Result(prompts[b], Beams(prompts[b], options, ct)[0], options);
                foreach (int token in result.GeneratedIds) onToken?.Invoke(b, token);
                results.Add(result);
            }
            return results;
        }
        var session = new Session(this, prompts, options);
        while (!session.Finished)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var (sequence, token) in session.Step())
                onToken?.Invoke(sequence, token);
        }
        return session.Results();
    }

    /// <summary>One prompt, given as text (needs a codec).</summary>
    public GeneratedSequence Generate(string prompt, GenerationOptions options, CancellationToken ct = default) =>
        Generate([RequireCodec().Encode(prompt)], options, null, ct)[0];

    /// <summary>The tokens of one prompt as they are chosen (with beams, all at the end).</summary>
    public async IAsyncEnumerable<int> StreamAsync(int[] prompt, GenerationOptions options, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (options.NumBeams > 1)
        {
            // a beam search knows its best hypothesis only at the end
            foreach (int token in Beams(prompt, options, ct)[0].Ids)
                yield return token;
            yield break;
        }
        var session = new Session(this, [prompt], options);
        while (!session.Finished)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var (_, token) in session.Step())
                yield return token;
            await Task.Yield(); // let a consumer on this thread (a server writing each token) run between steps
        }
    }

    /// <summary>Up to NumBeams hypotheses of one prompt, best first (<see cref="BeamSearch"/>).</summary>
    public IReadOnlyList<BeamHypothesis> Beams(int[] prompt, GenerationOptions options, CancellationToken ct = default)
    {
        Check([prompt], options);
        return BeamSearch.Run(Model, prompt, options, ct);
    }

    /// <summary>A hypothesis as a sequence: its text cut at the first stop string.</summary>
    public GeneratedSequence Result(int[] prompt, BeamHypothesis hypothesis, GenerationOptions options) =>
        new(prompt, hypothesis.Ids, hypothesis.FinishReason, TextOf(hypothesis.Ids, options));

    // the decoded ids cut before the first stop string; null without a codec
    private string? TextOf(IReadOnlyList<int> ids, GenerationOptions options)
    {
        string? text = Codec?.Decode(ids);
        if (text is null)
            return null;
        int cut = options.StopStrings.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        return cut >= 0 ? text[..cut] : text;
    }

    // options in range; prompts non-empty, within the context and the vocabulary; a codec where stop strings need one
    private void Check(IReadOnlyList<int[]> prompts, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0)
            throw new ArgumentException("No prompts to generate from.", nameof(prompts));
        var config = Model.Config;
        for (int b = 0; b < prompts.Count; b++)
        {
            var prompt = prompts[b] ?? throw new ArgumentException($"Prompt {b} is null.", nameof(prompts));
            if (prompt.Length == 0)
                throw new ArgumentException($"Prompt {b} is empty; generation starts from at least one token.", nameof(prompts));
            if (prompt.Length > config.MaxPositions)
                throw new ArgumentException($"Prompt {b} has {prompt.Length} tokens, more than the model's context of {config.MaxPositions}.", nameof(prompts));
            foreach (int id in prompt)
            {
                if ((uint)id >= (uint)config.VocabularySize)
                    throw new ArgumentException($"Prompt {b} holds token id {id}, outside the vocabulary of {config.VocabularySize}.", nameof(prompts));
            }
        }
        if (options.StopStrings.Count > 0)
            RequireCodec();
    }

    private ITokenCodec RequireCodec() =>
        Codec ?? throw new InvalidOperationException("Text prompts and stop strings need a tokenizer: construct the generator with an ITokenCodec.");

    /// <summary>The state of one batched generation: cache, outputs, live sequences and the logits of their next tokens.</summary>
    private sealed class Session
    {
        private readonly CausalLmGenerator owner;
        private readonly int[][] prompts;
        private readonly GenerationOptions options;
        private readonly HashSet<int> stopIds;
        private readonly List<int>[] outputs;
        private readonly FinishReason?[] finished;
        private readonly Rng[] rngs;
        private readonly KvCache cache;
        private int[] live;          // prompt indices (= cache slots) still generating
        private float[] logits;      // [live, V] for the next token of each live sequence

        public Session(CausalLmGenerator owner, IReadOnlyList<int[]> prompts, GenerationOptions options)
        {
            owner.Check(prompts, options);
            var model = owner.Model;
            var config = model.Config;
            this.owner = owner;
            this.prompts = [.. prompts];
            this.options = options;
            stopIds = [.. options.StopTokenIds ?? config.EosTokenIds];
            outputs = [.. prompts.Select(_ => new List<int>())];
            finished = new FinishReason?[prompts.Count];
            rngs = [.. Enumerable.Range(0, prompts.Count).Select(b => new Rng(options.Seed + (ulong)b))];
            int longest = prompts.Max(p => p.Length);
            cache = model.NewCache(prompts.Count, Math.Min(config.MaxPositions, longest + Math.Max(1, options.MaxNewTokens)));
            live = [.. Enumerable.Range(0, prompts.Count)];
            logits = [];
            if (options.MaxNewTokens == 0)
            {
                Array.Fill(finished, FinishReason.Length);
                live = [];
                return;
            }
            Prefill(longest);
        }

        public bool Finished => live.Length == 0;

        /// <summary>Chooses one token for each live sequence, then runs the model on those that go on.</summary>
        public List<(int Sequence, int Token)> Step()
        {
            int vocabulary = owner.Model.Config.VocabularySize;
            var chosen = new List<(int, int)>(live.Length);
            var next = new List<int>(live.Length);
            for (int i = 0; i < live.Length; i++)
            {
                int b = live[i];
                var row = logits.AsSpan(i * vocabulary, vocabulary);
                int token = TokenSampler.Next(row, [.. prompts[b], .. outputs[b]], options, rngs[b]);
                outputs[b].Add(token);
                chosen.Add((b, token));
                finished[b] = Finish(b, token);
                if (finished[b] is null)
                    next.Add(b);
            }
            live = [.. next];
            if (live.Length > 0)
                Decode();
            return chosen;
        }

        public GeneratedSequence[] Results() => [.. Enumerable.Range(0, prompts.Length).Select(b =>
            new GeneratedSequence(prompts[b], [.. outputs[b]], finished[b] ?? FinishReason.Length, owner.TextOf(outputs[b], options)))];

        private FinishReason? Finish(int b, int token)
        {
            var output = outputs[b];
            if (stopIds.Contains(token))
                return FinishReason.Stop;
            foreach (var stop in options.StopSequences)
            {
                if (output.Count >= stop.Length && System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output)[^stop.Length..].SequenceEqual(stop))
                    return FinishReason.Stop;
            }
            if (options.StopStrings.Count > 0)
            {
                string text = owner.Codec!.Decode(output);
                if (options.StopStrings.Any(s => text.Contains(s, StringComparison.Ordinal)))
                    return FinishReason.Stop;
            }
            // the next step would need a position past the cache (MaxNewTokens or the context)
            if (output.Count >= options.MaxNewTokens || cache.Lengths[b] >= cache.Capacity)
                return FinishReason.Length;
            return null;
        }

        // every prompt at once, right-padded with id 0 to the longest; logits of each prompt's last token
        private void Prefill(int longest)
        {
            var ids = new int[prompts.Length * longest];
            for (int b = 0; b < prompts.Length; b++)
                prompts[b].CopyTo(ids, b * longest);
            var g = owner.graph;
            g.Reset();
            int[] slots = [.. Enumerable.Range(0, prompts.Length)];
            var hidden = owner.Model.HiddenCached(g, ids, cache, slots, longest);    // [B*T, C]
            for (int b = 0; b < prompts.Length; b++)
                cache.Advance(b, prompts[b].Length);
            logits = owner.Model.RowLogits(g, hidden, [.. prompts.Select((p, b) => b * longest + p.Length - 1)]);
        }

        // one new token for each live sequence
        private void Decode()
        {
            var g = owner.graph;
            g.Reset();
            int[] ids = [.. live.Select(b => outputs[b][^1])];
            var hidden = owner.Model.HiddenCached(g, ids, cache, live, 1);         // [live, C]
            foreach (int b in live)
                cache.Advance(b, 1);
            logits = owner.Model.RowLogits(g, hidden, [.. Enumerable.Range(0, live.Length)]);
        }
    }
}
