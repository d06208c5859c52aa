using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Tests;

public class CrfTests
{
    sealed record Problem(int T, int K, float[] Emissions, float[] Transitions, float[] Start, float[] End, int[] Tags);

    static Problem RandomProblem(int t, int k, int seed)
    {
        var r = new Random(seed);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();
        return new Problem(t, k, Fill(t * k), Fill(k * k), Fill(k), Fill(k), Enumerable.Range(0, t).Select(_ => r.Next(k)).ToArray());
    }

    static IEnumerable<int[]> AllSequences(int t, int k)
    {
        var seq = new int[t];
        for (long code = 0; code < (long)Math.Pow(k, t); code++)
        {
            long c = code;
            for (int i = 0; i < t; i++) { seq[i] = (int)(c % k); c /= k; }
            yield return (int[])seq.Clone();
        }
    }

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(4, 3, 2)]
    [InlineData(5, 2, 3)]
    public void Log_partition_matches_brute_force(int t, int k, int seed)
    {
        var p = RandomProblem(t, k, seed);
        double z = AllSequences(t, k).Sum(s => Math.Exp(LinearChainCrf.Score(p.Emissions, p.Transitions, p.Start, p.End, s, k)));
        Assert.Equal(Math.Log(z), LinearChainCrf.LogPartition(p.Emissions, p.Transitions, p.Start, p.End, t, k), 4);
    }

    [Theory]
    [InlineData(1, 4, 4)]
    [InlineData(3, 3, 5)]
    [InlineData(6, 2, 6)]
    [InlineData(4, 4, 7)]
    public void Viterbi_finds_the_brute_force_best_sequence(int t, int k, int seed)
    {
        var p = RandomProblem(t, k, seed);
        var best = AllSequences(t, k).MaxBy(s => LinearChainCrf.Score(p.Emissions, p.Transitions, p.Start, p.End, s, k))!;
        var path = new int[t];
        float score = LinearChainCrf.Viterbi(p.Emissions, p.Transitions, p.Start, p.End, t, k, path);
        Assert.Equal(best, path);
        Assert.Equal(LinearChainCrf.Score(p.Emissions, p.Transitions, p.Start, p.End, best, k), score, 4);
    }

    [Fact]
    public void Negative_log_likelihood_is_log_partition_minus_score_and_positive()
    {
        var p = RandomProblem(5, 3, 8);
        var (ge, gt, gs, gend) = (new float[15], new float[9], new float[3], new float[3]);
        float nll = LinearChainCrf.NegativeLogLikelihood(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, 3, ge, gt, gs, gend);
        float expected = LinearChainCrf.LogPartition(p.Emissions, p.Transitions, p.Start, p.End, 5, 3)
                         - LinearChainCrf.Score(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, 3);
        Assert.Equal(expected, nll, 4);
        Assert.True(nll > 0);
    }

    [Theory]
    [InlineData(1, 3, 11)]
    [InlineData(4, 3, 12)]
    [InlineData(7, 5, 13)]
    public void Gradients_match_finite_differences(int t, int k, int seed)
    {
        var p = RandomProblem(t, k, seed);
        var grads = new[] { new float[t * k], new float[k * k], new float[k], new float[k] };
        LinearChainCrf.NegativeLogLikelihood(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, k, grads[0], grads[1], grads[2], grads[3]);
        var parameters = new[] { p.Emissions, p.Transitions, p.Start, p.End };

        double Loss()
        {
            double logZ = LinearChainCrf.LogPartition(p.Emissions, p.Transitions, p.Start, p.End, t, k);
            return logZ - LinearChainCrf.Score(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, k);
        }

        const float h = 1e-2f;
        for (int which = 0; which < parameters.Length; which++)
            for (int i = 0; i < parameters[which].Length; i++)
            {
                float saved = parameters[which][i];
                parameters[which][i] = saved + h;
                double plus = Loss();
                parameters[which][i] = saved - h;
                double minus = Loss();
                parameters[which][i] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - grads[which][i]) < 2e-3,
                    $"parameter {which}[{i}]: analytic {grads[which][i]}, numeric {numeric}");
            }
    }

    [Fact]
    public void Gradients_accumulate_into_the_buffers()
    {
        var p = RandomProblem(3, 2, 14);
        var once = new[] { new float[6], new float[4], new float[2], new float[2] };
        var twice = new[] { new float[6], new float[4], new float[2], new float[2] };
        LinearChainCrf.NegativeLogLikelihood(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, 2, once[0], once[1], once[2], once[3]);
        for (int r = 0; r < 2; r++)
            LinearChainCrf.NegativeLogLikelihood(p.Emissions, p.Transitions, p.Start, p.End, p.Tags, 2, twice[0], twice[1], twice[2], twice[3]);
        for (int b = 0; b < 4; b++)
            for (int i = 0; i < once[b].Length; i++)
                Assert.Equal(2 * once[b][i], twice[b][i], 5);
    }

    [Fact]
    public void Transitions_too_unlikely_for_float_fall_back_to_log_space()
    {
        // every transition but 0 → 0 is e^-150 below it: 0 in float once scaled, so the scaled recursion loses all mass
        const int k = 3, t = 4;
        var transitions = Enumerable.Repeat(-150f, k * k).ToArray();
        transitions[0] = 0f;
        var emissions = new float[t * k];
        for (int i = 0; i < t; i++) emissions[i * k + 1 + i % 2] = 40f;
        var (start, end) = (new float[k], new float[k]);
        int[] tags = [1, 2, 1, 2];
        var fast = new[] { new float[t * k], new float[k * k], new float[k], new float[k] };
        var slow = new[] { new float[t * k], new float[k * k], new float[k], new float[k] };
        float a = LinearChainCrf.NegativeLogLikelihood(emissions, transitions, start, end, tags, k, fast[0], fast[1], fast[2], fast[3]);
        float b = LinearChainCrfReference.NegativeLogLikelihood(emissions, transitions, start, end, tags, k, slow[0], slow[1], slow[2], slow[3]);
        Assert.True(float.IsFinite(a));
        Assert.Equal(b, a, 2);
        for (int which = 0; which < 4; which++)
            for (int i = 0; i < fast[which].Length; i++)
                Assert.True(Math.Abs(fast[which][i] - slow[which][i]) < 1e-4, $"gradient {which}[{i}]: {fast[which][i]} vs {slow[which][i]}");
    }

    [Fact]
    public void Bad_shapes_and_tags_are_rejected()
    {
        var p = RandomProblem(3, 2, 15);
        var g = new float[6];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            LinearChainCrf.NegativeLogLikelihood(p.Emissions, p.Transitions, p.Start, p.End, [0, 2, 1], 2, g, new float[4], new float[2], new float[2]));
        Assert.Throws<ArgumentException>(() =>
            LinearChainCrf.Viterbi(p.Emissions, p.Transitions, p.Start, p.End, 4, 2, new int[4]));
    }
}

public class CrfReferenceTests
{
    [Theory]
    [InlineData(1, 1, 21)]
    [InlineData(6, 5, 22)]
    [InlineData(12, 41, 23)]
    public void Vectorized_kernel_matches_the_scalar_reference(int t, int k, int seed)
    {
        var r = new Random(seed);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 6 - 3)).ToArray();
        var (e, tr, s, en) = (Fill(t * k), Fill(k * k), Fill(k), Fill(k));
        var tags = Enumerable.Range(0, t).Select(_ => r.Next(k)).ToArray();
        var fast = new[] { new float[t * k], new float[k * k], new float[k], new float[k] };
        var slow = new[] { new float[t * k], new float[k * k], new float[k], new float[k] };
        float a = LinearChainCrf.NegativeLogLikelihood(e, tr, s, en, tags, k, fast[0], fast[1], fast[2], fast[3]);
        float b = LinearChainCrfReference.NegativeLogLikelihood(e, tr, s, en, tags, k, slow[0], slow[1], slow[2], slow[3]);
        Assert.Equal(b, a, 2);
        for (int which = 0; which < 4; which++)
            for (int i = 0; i < fast[which].Length; i++)
                Assert.True(Math.Abs(fast[which][i] - slow[which][i]) < 1e-4, $"gradient {which}[{i}]: {fast[which][i]} vs {slow[which][i]}");
        var (p1, p2) = (new int[t], new int[t]);
        Assert.Equal(LinearChainCrfReference.Viterbi(e, tr, s, en, t, k, p2), LinearChainCrf.Viterbi(e, tr, s, en, t, k, p1), 3);
        Assert.Equal(p2, p1);
    }
}
