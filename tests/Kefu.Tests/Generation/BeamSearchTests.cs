using Kefu.Generation.CausalLm;
using Kefu.Numerics.Autograd;

namespace Kefu.Tests.Generation;

/// <summary>Beam search on small random models, checked against log-probabilities recomputed over whole sequences.</summary>
public class BeamSearchTests
{
    // a spread of weights that makes the distributions far from uniform, as CausalLmDecodingTests does
    static CausalLanguageModel Model(int vocabulary, int eos)
    {
        var config = new CausalLmConfig(CausalLmArchitecture.Gpt2, vocabulary, 16, 2, 2, 2, 8, 64, 32, 1e-5f, 0f, true, null, [eos]);
        var model = CausalLanguageModel.Create(config, seed: 5);
        var values = model.Parameters.Values;
        foreach (var p in model.Parameters.Parameters)
            if (p.Init.Kind == Kefu.Numerics.Optim.ParameterInitKind.Normal)
                System.Numerics.Tensors.TensorPrimitives.Multiply(values.Slice(p.Offset, p.Length), 30f, values.Slice(p.Offset, p.Length));
        return model;
    }

    // Σ log p(generated | prompt and earlier tokens), from one forward pass over the whole sequence
    static float LogProbability(CausalLanguageModel model, int[] prompt, int[] generated)
    {
        int[] ids = [.. prompt, .. generated];
        var logits = model.Logits(new Graph(recordTape: false), ids, null, 1, ids.Length);
        double sum = 0;
        for (int i = 0; i < generated.Length; i++)
        {
            var row = logits.Row(prompt.Length - 1 + i).ToArray();
            float max = row.Max();
            sum += row[generated[i]] - max - Math.Log(row.Sum(v => Math.Exp(v - max)));
        }
        return (float)sum;
    }

    [Fact]
    public void With_as_many_beams_as_sequences_the_search_finds_the_most_probable_sequence()
    {
        var model = Model(vocabulary: 6, eos: 0);
        int[] prompt = [1, 4, 2];
        var all = from a in Enumerable.Range(0, 6) from b in Enumerable.Range(0, 6) from c in Enumerable.Range(0, 6) select new[] { a, b, c };
        var best = all.MaxBy(s => LogProbability(model, prompt, s))!;

        var found = BeamSearch.Run(model, prompt, new GenerationOptions { MaxNewTokens = 3, StopTokenIds = [], NumBeams = 36 });

        Assert.Equal(best, found[0].Ids);
        Assert.Equal(LogProbability(model, prompt, best), found[0].LogProbability, 1e-4f);
        Assert.Equal(FinishReason.Length, found[0].FinishReason);
    }

    [Fact]
    public void Hypotheses_are_scored_by_their_own_log_probability_and_length_best_first()
    {
        var model = Model(vocabulary: 50, eos: 0);
        int[] prompt = [5, 9, 1, 44, 7];
        foreach (float penalty in new[] { 1f, 0f, 2f })
        {
            var found = BeamSearch.Run(model, prompt, new GenerationOptions { MaxNewTokens = 10, NumBeams = 4, LengthPenalty = penalty });

            Assert.Equal(4, found.Count);
            Assert.Equal(found.Select(h => h.Score).OrderDescending(), found.Select(h => h.Score));
            foreach (var h in found)
            {
                // the keys and values each beam read were its own ancestors' (cache slots copied from parent to child)
                Assert.Equal(LogProbability(model, prompt, h.Ids), h.LogProbability, 1e-3f);
                Assert.Equal(h.LogProbability / MathF.Pow(h.Ids.Length, penalty), h.Score, 1e-5f);
                Assert.Equal(h.FinishReason == FinishReason.Stop, h.Ids[^1] == 0);
                Assert.True(h.Ids.Length <= 10);
            }
        }
    }

    [Fact]
    public void The_generator_returns_the_best_beam_and_refuses_beams_with_sampling()
    {
        var model = Model(vocabulary: 50, eos: 0);
        var generator = new CausalLmGenerator(model);
        int[] prompt = [5, 9, 1];
        var options = new GenerationOptions { MaxNewTokens = 8, NumBeams = 3 };
        var seen = new List<int>();

        var result = generator.Generate([prompt], options, (_, token) => seen.Add(token))[0];

        Assert.Equal(generator.Beams(prompt, options)[0].Ids, result.GeneratedIds);
        Assert.Equal(result.GeneratedIds, seen);
        Assert.Equal(result.GeneratedIds, generator.StreamAsync(prompt, options).ToBlockingEnumerable());
        Assert.Throws<ArgumentException>(() => generator.Generate([prompt], options with { Greedy = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([prompt], options with { NumBeams = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate([prompt], options with { NumBeams = GenerationOptions.MaxBeams + 1 }));
        // the context bounds beams as it bounds greedy decoding: 30 prompt tokens of 32 leave three tokens
        var full = generator.Generate([[.. Enumerable.Range(1, 30)]], options with { MaxNewTokens = 100, StopTokenIds = [] })[0];
        Assert.Equal(3, full.GeneratedIds.Length);
    }
}
