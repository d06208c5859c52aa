using Kefu.Experiments;

namespace Kefu.Tests.Experiments;

/// <summary>Special functions and tests against closed forms and published values, with no python needed.</summary>
public class StatisticsTests
{
    [Fact]
    public void Log_gamma_equals_log_factorials_and_the_half_integer_value()
    {
        Assert.Equal(0.5 * Math.Log(Math.PI), SpecialFunctions.LogGamma(0.5), 14);        // Γ(1/2) = √π
        Assert.Equal(Math.Log(362880), SpecialFunctions.LogGamma(10), 13);                // Γ(10) = 9!
        Assert.Equal(0, SpecialFunctions.LogGamma(1), 14);
        Assert.Equal(0, SpecialFunctions.LogGamma(2), 14);
        double log99 = Enumerable.Range(1, 99).Sum(k => Math.Log(k));                     // Γ(100) = 99!
        Assert.True(Math.Abs(SpecialFunctions.LogGamma(100) - log99) < 1e-12 * log99);
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.LogGamma(0));
        // mpmath.log(mpmath.beta(a, b)) at 40 digits
        Relative(-2.8813876965715768, SpecialFunctions.LogBeta(1000, 0.5), 1e-15);
        Relative(-5.9888164957774643, SpecialFunctions.LogBeta(5e5, 0.5), 1e-15);
        foreach (var (a, b) in new[] { (0.5, 3.0), (150.0, 0.5), (5e5, 0.5), (300.0, 200.0) })                 // both branches of LogBeta
            Assert.True(Math.Abs(SpecialFunctions.LogBeta(a, b) - (SpecialFunctions.LogGamma(a) + SpecialFunctions.LogGamma(b) - SpecialFunctions.LogGamma(a + b)))
                < 1e-15 * SpecialFunctions.LogGamma(a + b) + 1e-13, $"LogBeta({a}, {b})");
    }

    [Fact]
    public void Erfc_matches_published_values_into_the_far_tail()
    {
        // Abramowitz & Stegun table 7.1 / Wolfram: erfc(1), erfc(5), erfc(10)
        Assert.Equal(1, SpecialFunctions.Erfc(0), 15);
        Relative(0.15729920705028513, SpecialFunctions.Erfc(1), 1e-14);
        Relative(1.5374597944280349e-12, SpecialFunctions.Erfc(5), 1e-13);
        Relative(2.0884875837625447e-45, SpecialFunctions.Erfc(10), 1e-13);
        Relative(2 - 0.15729920705028513, SpecialFunctions.Erfc(-1), 1e-15);
        Assert.Equal(0, SpecialFunctions.Erfc(40));
    }

    [Fact]
    public void Incomplete_beta_meets_its_closed_forms()
    {
        foreach (double x in new[] { 1e-9, 0.01, 0.3, 0.5, 0.77, 0.999 })
        {
            Relative(Math.Pow(x, 3.5), SpecialFunctions.IncompleteBeta(3.5, 1, x), 1e-13);         // I_x(a, 1) = x^a
            if (x >= 0.01) Relative(1 - Math.Pow(1 - x, 2.5), SpecialFunctions.IncompleteBeta(1, 2.5, x), 1e-12);  // I_x(1, b) = 1 − (1−x)^b, cancels for tiny x
        }
        // mpmath.betainc(5e5, 0.5, 0, 0.999996, regularized=True) at 50 digits: the slowest corner of the continued fraction
        Relative(0.045500101923155166, SpecialFunctions.IncompleteBeta(5e5, 0.5, 0.999996), 1e-10);
        foreach (double a in new[] { 0.5, 3, 40, 1000 })
            Assert.Equal(0.5, SpecialFunctions.IncompleteBeta(a, a, 0.5), 12);                     // symmetry
    }

    [Fact]
    public void Student_t_tails_meet_the_cauchy_and_two_degree_closed_forms()
    {
        foreach (double t in new[] { 0.1, 1, 3, 50, 1e4 })
        {
            Relative(Math.Atan(1 / t) / Math.PI, StudentT.Sf(t, 1), 1e-12);                          // ν = 1: ½ − atan(t)/π
            double r = Math.Sqrt(2 + t * t);
            Relative(1 / (r * (r + t)), StudentT.Sf(t, 2), 1e-12);                                   // ν = 2: ½ − t/(2√(2+t²)), without cancellation
        }
        Assert.Equal(1, StudentT.TwoSidedP(0, 7));
        Assert.Equal(0.5, StudentT.Cdf(0, 7), 15);
        Assert.Equal(12.706204736174707, StudentT.Quantile(0.975, 1), 10);                          // tan(π(0.975 − 1/2))
        Relative(1.959963984540054, Normal.Quantile(0.975), 1e-15);
        Relative(-1.959963984540054, Normal.Quantile(0.025), 1e-15);
    }

    [Fact]
    public void Sample_size_of_the_textbook_example_is_63()
    {
        // σ = 1, δ = 0.5, α = 0.05, power 0.8: 2 (1.95996 + 0.84162)² / 0.25 = 62.8 → 63 per arm
        Assert.Equal(63, SampleSize.Means(1, 0.5, 0.05, 0.8));
        Assert.Null(SampleSize.Means(0, 0.5, 0.05, 0.8));
        Assert.Null(SampleSize.Proportions(0.5, 0, 0.05, 0.8));
        Assert.True(SampleSize.Proportions(0.5, 0.01, 0.05, 0.8) > SampleSize.Proportions(0.5, 0.05, 0.05, 0.8));
    }

    [Fact]
    public void Newcombe_interval_matches_the_published_example()
    {
        // Newcombe (1998) Table II, method 10: 56/70 − 48/80 gives 0.0524 to 0.3339; 9/10 − 3/10 gives 0.1705 to 0.8090
        var wide = HypothesisTests.TwoProportion(new(48, 80), new(56, 70), 0.05).DifferenceInterval!.Value;
        Assert.Equal(0.0524, wide.Low, 4);
        Assert.Equal(0.3339, wide.High, 4);
        var small = HypothesisTests.TwoProportion(new(3, 10), new(9, 10), 0.05).DifferenceInterval!.Value;
        Assert.Equal(0.1705, small.Low, 4);
        Assert.Equal(0.8090, small.High, 4);
    }

    [Fact]
    public void Verdicts_follow_the_p_value_and_which_direction_is_better()
    {
        var higher = HypothesisTests.Welch(new(100, 4.0, 1), new(100, 4.5, 1), 0.05);       // p ≈ 0.0005
        Assert.Equal(Verdict.BBetter, Verdicts.Decide(higher, 0.05, higherIsBetter: true));
        Assert.Equal(Verdict.BWorse, Verdicts.Decide(higher, 0.05, higherIsBetter: false));  // e.g. response time went up
        Assert.Equal(Verdict.NoDifferenceYet, Verdicts.Decide(higher, 0.0001, higherIsBetter: true));
        var same = HypothesisTests.TwoProportion(new(50, 1000), new(52, 1000), 0.05);
        Assert.Equal(Verdict.NoDifferenceYet, Verdicts.Decide(same, 0.05, higherIsBetter: false));
        var fewerFallbacks = HypothesisTests.TwoProportion(new(100, 1000), new(60, 1000), 0.05);
        Assert.Equal(Verdict.BBetter, Verdicts.Decide(fewerFallbacks, 0.05, higherIsBetter: false));
    }

    [Fact]
    public void An_empty_or_constant_arm_is_not_enough_data_and_never_NaN()
    {
        var empty = HypothesisTests.Welch(SampleSummary.Of([]), SampleSummary.Of([4, 5, 3]), 0.05);
        Assert.Null(empty.PValue);
        Assert.Contains("at least 2 values", empty.NotEnoughData);
        var constant = HypothesisTests.Welch(SampleSummary.Of([5, 5, 5, 5]), SampleSummary.Of([4, 5, 3]), 0.05);
        Assert.Null(constant.PValue);
        Assert.Contains("zero variance", constant.NotEnoughData);
        Assert.Equal(Verdict.NotEnoughData, Verdicts.Decide(constant, 0.05, true));
        var noRates = HypothesisTests.TwoProportion(new(0, 0), new(3, 10), 0.05);
        Assert.Contains("at least 1 value", noRates.NotEnoughData);
        var allZero = HypothesisTests.TwoProportion(new(0, 40), new(0, 30), 0.05);
        Assert.Contains("zero variance", allZero.NotEnoughData);
        Assert.Null(HypothesisTests.MeanInterval(SampleSummary.Of([3]), 0.05));
        Assert.Null(HypothesisTests.WilsonInterval(new(0, 0), 0.05));
    }

    static void Relative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");
}
