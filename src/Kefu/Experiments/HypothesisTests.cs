namespace Kefu.Experiments;

/// <summary>n, mean and sample variance (divisor n − 1) of one arm's values of a metric.</summary>
public readonly record struct SampleSummary(int N, double Mean, double Variance)
{
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Two passes (mean, then squared deviations): no cancellation for large values such as response times.</summary>
    public static SampleSummary Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new(0, double.NaN, double.NaN);
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / n, squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return new(n, mean, n > 1 ? squares / (n - 1) : double.NaN);
    }
}

/// <summary>Successes out of N trials (thumbs up out of votes, handoffs out of conversations, ...).</summary>
public readonly record struct Proportion(int Successes, int N)
{
    public double Rate => N == 0 ? double.NaN : (double)Successes / N;
}

public readonly record struct Interval(double Low, double High);

/// <summary>
/// One comparison of arm B with the baseline A: the difference B − A with its confidence interval, the test
/// statistic and the two-sided p-value; or, where the test is undefined, why (NotEnoughData) and no numbers.
/// </summary>
public sealed record TestResult(
    string Test, double Difference, Interval? DifferenceInterval, double? Statistic, double? DegreesOfFreedom, double? PValue, string? NotEnoughData);

/// <summary>The two tests of an A/B report and the confidence intervals that go with them.</summary>
public static class HypothesisTests
{
    public const string WelchName = "Welch t";
    public const string TwoProportionName = "two-proportion z";

    /// <summary>The 1 − α confidence interval of one arm's mean: mean ± t(1−α/2, n−1) · s/√n. Null below n = 2.</summary>
    public static Interval? MeanInterval(SampleSummary s, double alpha)
    {
        if (s.N < 2) return null;
        double half = StudentT.Quantile(1 - alpha / 2, s.N - 1) * Math.Sqrt(s.Variance / s.N);
        return new(s.Mean - half, s.Mean + half);
    }

    /// <summary>
    /// Welch's unequal-variance t-test of B − A (scipy.stats.ttest_ind(b, a, equal_var=False)):
    /// t = (x̄_B − x̄_A) / √(s²_A/n_A + s²_B/n_B), with Welch–Satterthwaite degrees of freedom
    /// ν = (s²_A/n_A + s²_B/n_B)² / ((s²_A/n_A)²/(n_A−1) + (s²_B/n_B)²/(n_B−1)), p = P(|T_ν| ≥ |t|), and the
    /// interval (x̄_B − x̄_A) ± t(1−α/2, ν) · se. Needs n ≥ 2 and a non-zero variance in both arms: with all values
    /// of an arm equal its variance estimate (0) says nothing about its spread, and the test would be overconfident.
    /// </summary>
    public static TestResult Welch(SampleSummary a, SampleSummary b, double alpha)
    {
        double difference = b.Mean - a.Mean;
        string? why = a.N < 2 || b.N < 2 ? $"needs at least 2 values per arm (have {a.N} and {b.N})"
            : a.Variance == 0 || b.Variance == 0 ? $"all values of {(a.Variance == 0 ? "the baseline arm" : "the arm")} are equal (zero variance)"
            : null;
        if (why is not null) return new(WelchName, difference, null, null, null, null, why);
        double va = a.Variance / a.N, vb = b.Variance / b.N, se = Math.Sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (a.N - 1) + vb * vb / (b.N - 1));
        double t = difference / se;
        double half = StudentT.Quantile(1 - alpha / 2, df) * se;
        return new(WelchName, difference, new(difference - half, difference + half), t, df, StudentT.TwoSidedP(t, df), null);
    }

    /// <summary>
    /// The 1 − α Wilson score interval of one rate (Wilson 1927): (p̂ + z²/2n ± z √(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
    /// Stays inside [0, 1] and is sensible at 0 or n successes, where the Wald interval collapses. Null for n = 0.
    /// </summary>
    public static Interval? WilsonInterval(Proportion p, double alpha)
    {
        if (p.N == 0) return null;
        double z = Normal.Quantile(1 - alpha / 2), n = p.N, rate = p.Rate, z2 = z * z;
        double center = (rate + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(rate * (1 - rate) / n + z2 / (4 * n * n));
        return new(Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>
    /// The two-proportion z-test of B − A with the pooled standard error (the textbook test; the same p-value as
    /// the chi-square test of the 2×2 table without continuity correction): p̄ = (x_A + x_B)/(n_A + n_B),
    /// z = (p̂_B − p̂_A) / √(p̄(1−p̄)(1/n_A + 1/n_B)), p = 2 · P(Z &gt; |z|). The interval of the difference is
    /// Newcombe's hybrid score interval (Newcombe 1998, Stat. Med. 17:873, method 10), built from the two Wilson
    /// intervals: it does not collapse at rates of 0 or 1 as the unpooled Wald interval does.
    /// </summary>
    public static TestResult TwoProportion(Proportion a, Proportion b, double alpha)
    {
        double difference = b.Rate - a.Rate;
        if (a.N == 0 || b.N == 0)
            return new(TwoProportionName, difference, null, null, null, null, $"needs at least 1 value per arm (have {a.N} and {b.N})");
        double pooled = (double)(a.Successes + b.Successes) / (a.N + b.N);
        if (pooled == 0 || pooled == 1)
            return new(TwoProportionName, difference, null, null, null, null, $"the rate is {pooled:0} in both arms (zero variance)");
        double se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / a.N + 1.0 / b.N));
        double z = difference / se;
        var (la, ua) = WilsonInterval(a, alpha)!.Value;
        var (lb, ub) = WilsonInterval(b, alpha)!.Value;
        var interval = new Interval(
            difference - Math.Sqrt((b.Rate - lb) * (b.Rate - lb) + (ua - a.Rate) * (ua - a.Rate)),
            difference + Math.Sqrt((ub - b.Rate) * (ub - b.Rate) + (a.Rate - la) * (a.Rate - la)));
        return new(TwoProportionName, difference, interval, z, null, Normal.TwoSidedP(z), null);
    }
}

/// <summary>
/// The smallest number of conversations per arm (equal arms) for a two-sided test at level α to detect a true
/// difference δ with probability `power`; normal approximations, rounded up.
/// </summary>
public static class SampleSize
{
    /// <summary>
    /// Means: n = 2 (z_{1−α/2} + z_{power})² σ² / δ² (Chow, Shao &amp; Wang, Sample Size Calculations in Clinical
    /// Research, 2nd ed. 2008, §3.2.1). σ = 1, δ = 0.5, α = 0.05, power 0.8 gives 63.
    /// </summary>
    public static int? Means(double standardDeviation, double effect, double alpha, double power)
    {
        if (!(standardDeviation > 0) || !double.IsFinite(standardDeviation) || !(effect != 0) || !double.IsFinite(effect)) return null;
        double z = Normal.Quantile(1 - alpha / 2) + Normal.Quantile(power);
        return Ceiling(2 * z * z * standardDeviation * standardDeviation / (effect * effect));
    }

    /// <summary>
    /// Proportions, from the baseline rate p₁ to p₂ = p₁ ± δ (towards the middle when p₁ + δ would leave [0, 1]):
    /// n = (z_{1−α/2} √(2 p̄ (1−p̄)) + z_{power} √(p₁(1−p₁) + p₂(1−p₂)))² / δ², p̄ = (p₁ + p₂)/2
    /// (Fleiss, Levin &amp; Paik, Statistical Methods for Rates and Proportions, 3rd ed. 2003, eq. 4.14, without the
    /// continuity correction).
    /// </summary>
    public static int? Proportions(double baselineRate, double effect, double alpha, double power)
    {
        double delta = Math.Abs(effect);
        if (!(baselineRate >= 0 && baselineRate <= 1) || !(delta > 0 && delta < 1)) return null;
        double p1 = baselineRate, p2 = p1 + delta <= 1 ? p1 + delta : p1 - delta;
        if (p2 < 0) return null;
        double mean = (p1 + p2) / 2;
        double root = Normal.Quantile(1 - alpha / 2) * Math.Sqrt(2 * mean * (1 - mean)) + Normal.Quantile(power) * Math.Sqrt(p1 * (1 - p1) + p2 * (1 - p2));
        return Ceiling(root * root / (delta * delta));
    }

    static int? Ceiling(double n) => n < int.MaxValue ? (int)Math.Ceiling(n - 1e-9) : null;   // 62.0000000001 from rounding is 62
}

public enum Verdict { NotEnoughData, NoDifferenceYet, BBetter, BWorse }

public static class Verdicts
{
    /// <summary>
    /// B better / B worse when p &lt; α, by the sign of B − A and whether higher is better for the metric (lower is
    /// better for fallback rate and response time); no difference yet otherwise; not enough data when the test is
    /// undefined.
    /// </summary>
    public static Verdict Decide(TestResult result, double alpha, bool higherIsBetter)
    {
        if (result.PValue is not { } p || double.IsNaN(p)) return Verdict.NotEnoughData;
        if (p >= alpha || result.Difference == 0) return Verdict.NoDifferenceYet;
        return result.Difference > 0 == higherIsBetter ? Verdict.BBetter : Verdict.BWorse;
    }

    public static string Text(Verdict verdict, string arm) => verdict switch
    {
        Verdict.BBetter => $"{arm} better",
        Verdict.BWorse => $"{arm} worse",
        Verdict.NoDifferenceYet => "no difference yet",
        _ => "not enough data",
    };

    public static string Json(Verdict verdict) => verdict switch
    {
        Verdict.BBetter => "b_better",
        Verdict.BWorse => "b_worse",
        Verdict.NoDifferenceYet => "no_difference_yet",
        _ => "not_enough_data",
    };
}
