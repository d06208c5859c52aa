using Kefu.Generation.CausalLm;
using Kefu.Numerics;

namespace Kefu.Tests.Generation;

/// <summary>Decoding on small random models: sampling settings, stops, limits, streaming and batches.</summary>
public class CausalLmDecodingTests
{
    private static readonly CausalLmConfig Qwen = new(CausalLmArchitecture.Qwen2, VocabularySize: 50, Hidden: 16, Layers: 2, Heads: 4, KvHeads: 2,
        HeadDim: 4, Intermediate: 24, MaxPositions: 32, NormEps: 1e-6f, RopeTheta: 10000f, TieWordEmbeddings: false, BosTokenId: null, EosTokenIds: [3]);

    private static readonly CausalLmConfig Gpt2 = new(CausalLmArchitecture.Gpt2, 50, 16, 2, 2, 2, 8, 64, 32, 1e-5f, 0f, true, null, [0]);

    // std 0.02 weights give near-uniform logits; a larger spread makes sampling settings visible
    private static CausalLanguageModel Model(CausalLmConfig config)
    {
        var model = CausalLanguageModel.Create(config, seed: 3);
        var values = model.Parameters.Values;
        foreach (var p in model.Parameters.Parameters)
        {
            if (p.Init.Kind == Numerics.Optim.ParameterInitKind.Normal)
                System.Numerics.Tensors.TensorPrimitives.Multiply(values.Slice(p.Offset, p.Length), 50f, values.Slice(p.Offset, p.Length));
        }
        return model;
    }

    [Fact]
    public void Cached_greedy_decoding_equals_full_recomputation_on_both_architectures()
    {
        foreach (var config in new[] { Qwen, Gpt2 })
        {
            var model = Model(config);
            int[] prompt = [5, 9, 1, 44, 7];
            var result = new CausalLmGenerator(model).Generate([prompt], new GenerationOptions { MaxNewTokens = 12, StopTokenIds = [] })[0];
            Assert.Equal(CausalLmFixtureTests.FullRecomputeGreedy(model, prompt, 12), result.GeneratedIds);
        }
    }

    [Fact]
    public void Generation_stops_at_max_new_tokens_and_at_the_context()
    {
        var generator = new CausalLmGenerator(Model(Qwen));
        var options = new GenerationOptions { MaxNewTokens = 7, StopTokenIds = [] };
        var results = generator.Generate([[1, 2], [4, 5, 6, 7, 8]], options);
        Assert.All(results, r => Assert.Equal(7, r.GeneratedIds.Length));
        Assert.All(results, r => Assert.Equal(FinishReason.Length, r.FinishReason));
        // 30 prompt tokens in a context of 32: the token after position 31 is chosen but cannot be fed back
        var full = generator.Generate([[.. Enumerable.Range(0, 30).Select(i => i % 50)]], options with { MaxNewTokens = 100 })[0];
        Assert.Equal(3, full.GeneratedIds.Length);
        Assert.Equal(FinishReason.Length, full.FinishReason);
        Assert.Empty(generator.Generate([[1]], options with { MaxNewTokens = 0 })[0].GeneratedIds);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused()
    {
        var generator = new CausalLmGenerator(Model(Gpt2));
        var e = Assert.Throws<ArgumentException>(() => generator.Generate([new int[33]], new GenerationOptions()));
        Assert.Contains("33 tokens, more than the model's context of 32", e.Message);
        Assert.Throws<ArgumentException>(() => generator.Generate([[1, 50]], new GenerationOptions()));
        Assert.Throws<ArgumentException>(() => generator.Generate([[]], new GenerationOptions()));
    }

    [Fact]
    public void Stop_tokens_and_stop_sequences_end_a_sequence_and_stay_in_its_output()
    {
        var model = Model(Qwen);
        var generator = new CausalLmGenerator(model);
        int[] prompt = [5, 9, 1];
        var free = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [] })[0].GeneratedIds;
        var byToken = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [free[2]] })[0];
        int first = Array.IndexOf(free, free[2]);
        Assert.Equal(free[..(first + 1)], byToken.GeneratedIds);
        Assert.Equal(FinishReason.Stop, byToken.FinishReason);
        var bySequence = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [], StopSequences = [[free[3], free[4]]] })[0];
        Assert.Equal(FinishReason.Stop, bySequence.FinishReason);
        Assert.Equal([free[3], free[4]], bySequence.GeneratedIds[^2..]);
        Assert.True(bySequence.GeneratedIds.Length <= 5);
        // config.json's eos (3) stops by default
        var eos = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 10 })[0];
        Assert.Equal(Array.IndexOf(free, 3) is var at && at >= 0 ? free[..(at + 1)] : free, eos.GeneratedIds);
    }

    [Fact]
    public void Stop_strings_cut_the_text_through_the_codec()
    {
        var generator = new CausalLmGenerator(Model(Qwen), new DigitCodec());
        var free = generator.Generate("5 9 1", new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [] });
        string stop = $" {free.GeneratedIds[3]} ";
        var cut = generator.Generate("5 9 1", new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [], StopStrings = [stop] });
        Assert.Equal(FinishReason.Stop, cut.FinishReason);
        Assert.DoesNotContain(stop, cut.Text);
        Assert.Throws<InvalidOperationException>(() => new CausalLmGenerator(Model(Qwen)).Generate([[1]], new GenerationOptions { StopStrings = ["x"] }));
    }

    [Fact]
    public void Sampling_is_reproducible_by_seed_and_the_same_alone_or_batched()
    {
        var generator = new CausalLmGenerator(Model(Qwen));
        var options = new GenerationOptions { Greedy = false, Temperature = 1.5f, TopK = 20, TopP = 0.95f, MaxNewTokens = 15, StopTokenIds = [], Seed = 11 };
        var a = generator.Generate([[5, 9, 1]], options)[0].GeneratedIds;
        var b = generator.Generate([[5, 9, 1]], options)[0].GeneratedIds;
        var batched = generator.Generate([[5, 9, 1], [2, 2]], options)[0].GeneratedIds;
        var other = generator.Generate([[5, 9, 1]], options with { Seed = 12 })[0].GeneratedIds;
        Assert.Equal(a, b);
        Assert.Equal(a, batched);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public async Task Streaming_yields_the_tokens_of_generate_one_by_one()
    {
        var generator = new CausalLmGenerator(Model(Gpt2));
        var options = new GenerationOptions { MaxNewTokens = 9, StopTokenIds = [] };
        var streamed = new List<int>();
        await foreach (int token in generator.StreamAsync([3, 4, 5], options))
            streamed.Add(token);
        var seen = new List<(int, int)>();
        var result = generator.Generate([[3, 4, 5]], options, (s, t) => seen.Add((s, t)))[0];
        Assert.Equal(result.GeneratedIds, streamed);
        Assert.Equal(result.GeneratedIds, seen.Select(x => x.Item2));
    }

    [Fact]
    public void Top_k_top_p_and_repetition_penalty_follow_transformers()
    {
        float[] logits = [1f, 3f, 2f, 3f, -1f];
        TokenSampler.KeepTopK(logits, 2);
        Assert.Equal([float.NegativeInfinity, 3f, float.NegativeInfinity, 3f, float.NegativeInfinity], logits);

        // probabilities ≈ 0.64, 0.24, 0.09, 0.03: p = 0.7 keeps the first two (the second crosses 0.7)
        float[] p = [3f, 2f, 1f, 0f];
        TokenSampler.KeepTopP(p, 0.7f);
        Assert.Equal([3f, 2f, float.NegativeInfinity, float.NegativeInfinity], p);

        float[] r = [2f, -2f, 1f];
        TokenSampler.PenalizeRepetition(r, [0, 1, 1], 2f);
        Assert.Equal([1f, -4f, 1f], r);

        // greedy with a penalty: the repeated best token loses to the next
        float[] g = [5f, 4f];
        Assert.Equal(1, TokenSampler.Next(g, [0], new GenerationOptions { RepetitionPenalty = 2f }, new Rng(1)));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        var generator = new CausalLmGenerator(Model(Gpt2));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([[1]], new GenerationOptions { Temperature = 0f, Greedy = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([[1]], new GenerationOptions { TopP = 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([[1]], new GenerationOptions { MaxNewTokens = -1 }));
    }

    /// <summary>Ids as space-separated numbers, " 12 7 " style, standing in for a real tokenizer.</summary>
    private sealed class DigitCodec : ITokenCodec
    {
        public int[] Encode(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];

        public string Decode(IReadOnlyList<int> ids) => " " + string.Join(" ", ids) + " ";
    }
}
