namespace Kefu.Experiments;

/// <summary>
/// The standard normal distribution. Tail probabilities come from Q(1/2, z²/2) = erfc(|z|/√2) computed directly,
/// so a p-value of 1e-12 (or 1e-200) keeps its relative accuracy (scipy.stats.norm agrees to ~1e-13).
/// </summary>
public static class Normal
{
    /// <summary>P(Z &gt; z), the survival function (scipy.stats.norm.sf).</summary>
    public static double Sf(double z)
    {
        if (double.IsNaN(z)) return double.NaN;
        double half = 0.5 * SpecialFunctions.IncompleteGamma(0.5, Math.Min(z * z / 2, 800)).Q;   // P(Z > |z|); e^-800 underflows to 0 anyway
        return z >= 0 ? half : 1 - half;
    }

    /// <summary>P(Z ≤ z) (scipy.stats.norm.cdf).</summary>
    public static double Cdf(double z) => Sf(-z);

    /// <summary>P(|Z| ≥ |z|), the two-sided p-value of a z statistic.</summary>
    public static double TwoSidedP(double z) => double.IsNaN(z) ? double.NaN : 2 * Sf(Math.Abs(z));

    /// <summary>The density φ(z).</summary>
    public static double Pdf(double z) => Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);

    /// <summary>
    /// The quantile Φ⁻¹(p) for 0 &lt; p &lt; 1 (scipy.stats.norm.ppf): Acklam's rational approximation (relative error
    /// ~1e-9) as the start, then Newton steps on Cdf until they stop changing it, which gives full precision.
    /// </summary>
    public static double Quantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a normal quantile needs 0 < p < 1");
        if (p > 0.5) return -Quantile(1 - p);                       // work in the lower tail, where p is exact
        double x = Acklam(p);
        for (int i = 0; i < 20; i++)
        {
            double step = (Cdf(x) - p) / Pdf(x);
            if (!double.IsFinite(step)) break;
            x -= step;
            if (Math.Abs(step) <= 1e-15 * Math.Abs(x)) break;
        }
        return x;
    }

    // P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution function" (2003), for p ≤ 0.5.
    static double Acklam(double p)
    {
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        if (p < 0.02425)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        double r = p - 0.5, s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }
}

/// <summary>
/// Student's t distribution with ν &gt; 0 degrees of freedom (ν need not be whole: Welch's test gives fractions).
/// P(|T| ≥ t) = I_x(ν/2, 1/2) with x = ν/(ν+t²) (NR3 eq. 6.14.11), y = 1 − x = t²/(ν+t²) computed directly.
/// </summary>
public static class StudentT
{
    /// <summary>P(|T| ≥ |t|), the two-sided p-value of a t statistic (2 · scipy.stats.t.sf(|t|, ν)).</summary>
    public static double TwoSidedP(double t, double df)
    {
        Check(df);
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        double t2 = t * t;
        if (t2 == 0) return 1;
        if (double.IsInfinity(t2)) return 0;
        // ν/(ν+t²) and t²/(ν+t²), each without cancellation
        return SpecialFunctions.IncompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
    }

    /// <summary>P(T &gt; t) (scipy.stats.t.sf).</summary>
    public static double Sf(double t, double df)
    {
        double half = TwoSidedP(t, df) / 2;
        return t >= 0 ? half : 1 - half;
    }

    /// <summary>P(T ≤ t) (scipy.stats.t.cdf).</summary>
    public static double Cdf(double t, double df) => Sf(-t, df);

    /// <summary>The density, Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^(−(ν+1)/2).</summary>
    public static double Pdf(double t, double df)
    {
        Check(df);
        return Math.Exp(SpecialFunctions.LogGamma((df + 1) / 2) - SpecialFunctions.LogGamma(df / 2) - 0.5 * Math.Log(df * Math.PI)
            - (df + 1) / 2 * Math.Log(1 + t * t / df));
    }

    /// <summary>
    /// The quantile t such that P(T ≤ t) = p, for 0 &lt; p &lt; 1 (scipy.stats.t.ppf): Newton steps on the upper tail
    /// from the normal quantile, kept inside a bracket [lo, hi] that bisection falls back to.
    /// </summary>
    public static double Quantile(double p, double df)
    {
        Check(df);
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a t quantile needs 0 < p < 1");
        if (p == 0.5) return 0;
        return p < 0.5 ? -UpperQuantile(p, df) : UpperQuantile(1 - p, df);   // p itself, not 1 − (1 − p), keeps a tiny p exact
    }

    // The t > 0 with Sf(t) = tail, for 0 < tail < 1/2.
    static double UpperQuantile(double tail, double df)
    {
        double lo = 0, hi = Math.Max(1, -Normal.Quantile(tail));
        while (Sf(hi, df) > tail)
        {
            lo = hi;
            hi *= 2;
            if (double.IsInfinity(hi)) return double.PositiveInfinity;
        }
        double x = (lo + hi) / 2;
        for (int i = 0; i < 200; i++)
        {
            double excess = Sf(x, df) - tail;                         // decreasing in x
            if (excess > 0) lo = x; else hi = x;
            double next = x + excess / Pdf(x, df);
            if (!(next > lo && next < hi)) next = (lo + hi) / 2;
            if (Math.Abs(next - x) <= 1e-15 * Math.Abs(x) || hi - lo <= 1e-15 * hi) return next;
            x = next;
        }
        return x;
    }

    static void Check(double df)
    {
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "the t distribution needs degrees of freedom > 0");
    }
}
