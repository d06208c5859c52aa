namespace Kefu.Experiments;

/// <summary>
/// Scalar special functions behind the p-values of A/B reports: log-gamma, the regularized incomplete gamma and
/// beta functions, and erfc. References are to Numerical Recipes, 3rd edition (Press et al. 2007), chapter 6.
/// Accuracy, checked against scipy.special and mpmath in tests/Kefu.Tests/Experiments: relative 1e-13 or better far
/// into the tails (erfc(26) ≈ 6e-296 included), except I_x(a, b) for a ≥ 1e5 next to x = (a+1)/(a+b+2), where the
/// continued fraction converges slowly and keeps ~5e-11 (scipy's betainc: 2e-10 there).
/// </summary>
public static class SpecialFunctions
{
    const double Epsilon = 4e-16;            // convergence: relative size of the last term or factor (2 ulp of 1)
    const double Tiny = 1e-300;              // the modified Lentz method's stand-in for zero
    const int MaxIterations = 1_000_000;     // continued fractions need O(sqrt(max(a, b))) steps (NR §6.4)

    // Lanczos approximation, g = 671/128, 14 terms: NR3 §6.1 `gammln`, full double precision for x > 0.
    static readonly double[] Lanczos =
    [
        57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
        .339946499848118887e-4, .465236289270485756e-4, -.983744753048795646e-4, .158088703224912494e-3,
        -.210264441724104883e-3, .217439618115212643e-3, -.164318106536763890e-3, .844182239838527433e-4,
        -.261908384015814087e-4, .368991826595316234e-5,
    ];

    /// <summary>ln Γ(x) for x &gt; 0 (NR3 §6.1, Lanczos).</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma needs x > 0");
        double y = x, tmp = x + 671.0 / 128;
        tmp = (x + 0.5) * Math.Log(tmp) - tmp;
        double series = 0.999999999999997092;
        foreach (double c in Lanczos) series += c / ++y;
        return tmp + Math.Log(2.5066282746310005 * series / x);
    }

    /// <summary>
    /// The regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a) and its complement Q = 1 − P, each computed
    /// directly (never as 1 − the other) where it is the small one: series for x &lt; a + 1, continued fraction
    /// (modified Lentz) otherwise. NR3 §6.2 `gser`, `gcf`.
    /// </summary>
    public static (double P, double Q) IncompleteGamma(double a, double x)
    {
        if (!(a > 0) || !(x >= 0)) throw new ArgumentOutOfRangeException(nameof(x), $"IncompleteGamma needs a > 0 and x >= 0, got a={a}, x={x}");
        if (x == 0) return (0, 1);
        double logPrefix = -x + a * Math.Log(x) - LogGamma(a);       // ln(e^-x x^a / Γ(a))
        if (x < a + 1)
        {
            // γ(a,x)/Γ(a) = e^-x x^a/Γ(a) · Σ x^n / (a (a+1) ... (a+n))
            double ap = a, term = 1 / a, sum = term;
            for (int n = 0; n < MaxIterations; n++)
            {
                term *= x / ++ap;
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * Epsilon) break;
            }
            double p = sum * Math.Exp(logPrefix);
            return (p, 1 - p);
        }
        // Γ(a,x)/Γ(a) = e^-x x^a/Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− ...)))
        double b = x + 1 - a, c = 1 / Tiny, d = 1 / b, h = d;
        for (int i = 1; i < MaxIterations; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = b + an / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon) break;
        }
        double q = Math.Exp(logPrefix) * h;
        return (1 - q, q);
    }

    /// <summary>
    /// erfc(x) = 1 − erf(x) = Q(1/2, x²) for x ≥ 0 (NR3 §6.2.2), erfc(−x) = 2 − erfc(x). Relative accuracy holds
    /// in the upper tail, where erfc is tiny, because Q is computed directly there.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x > 27.3) return 0;                                       // erfc(27.3) < 2^-1074: underflows
        return IncompleteGamma(0.5, x * x).Q;
    }

    /// <summary>
    /// The regularized incomplete beta I_x(a, b) = B(x; a, b)/B(a, b), for a, b &gt; 0 and 0 ≤ x ≤ 1, with y = 1 − x
    /// passed separately so that callers who know it exactly (the t distribution: y = t²/(ν+t²)) lose nothing to
    /// 1 − x. Continued fraction by the modified Lentz method, on I_x(a,b) or 1 − I_y(b,a), whichever converges
    /// fast (x &lt; (a+1)/(a+b+2)): NR3 §6.4 `betai`, `betacf`.
    /// </summary>
    public static double IncompleteBeta(double a, double b, double x, double y)
    {
        if (!(a > 0) || !(b > 0) || !(x >= 0) || !(y >= 0) || Math.Abs(x + y - 1) > 1e-12)
            throw new ArgumentOutOfRangeException(nameof(x), $"IncompleteBeta needs a, b > 0 and 0 <= x = 1 - y <= 1, got a={a}, b={b}, x={x}, y={y}");
        if (x == 0) return 0;
        if (y == 0) return 1;
        // x^a y^b / (a B(a,b)), in logs: the pieces are huge for large a, b
        double logFront = a * Math.Log(x) + b * Math.Log(y) - LogBeta(a, b);
        if (x < (a + 1) / (a + b + 2)) return Math.Exp(logFront) * BetaContinuedFraction(a, b, x) / a;
        return 1 - Math.Exp(logFront) * BetaContinuedFraction(b, a, y) / b;
    }

    /// <summary>
    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b). For a large argument the difference of the two big log-gammas is
    /// taken from Stirling's series, ln Γ(x) = (x−½) ln x − x + ½ ln 2π + δ(x): ln Γ(a) − ln Γ(a+b) =
    /// −b ln a − (a+b−½) ln(1 + b/a) + b + δ(a) − δ(a+b), which keeps relative accuracy where
    /// ln Γ(a) ≈ 7e6 (a = 5e5, the t distribution at a million degrees of freedom) would lose six digits.
    /// </summary>
    public static double LogBeta(double a, double b)
    {
        if (a < b) (a, b) = (b, a);                                   // a is the larger
        if (a < 100) return LogGamma(a) + LogGamma(b) - LogGamma(a + b);
        return LogGamma(b) - b * Math.Log(a) - (a + b - 0.5) * Log1P(b / a) + b + StirlingCorrection(a) - StirlingCorrection(a + b);
    }

    // δ(x) = ln Γ(x) − ((x−½) ln x − x + ½ ln 2π) = 1/12x − 1/360x³ + 1/1260x⁵ − 1/1680x⁷ + ..., error < 1e-19 for x ≥ 100.
    static double StirlingCorrection(double x)
    {
        double r = 1 / x, r2 = r * r;
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
    }

    /// <summary>ln(1 + x) without the cancellation of Math.Log(1 + x) for small x (Goldberg 1991, "What every computer scientist should know about floating-point arithmetic", Theorem 4).</summary>
    public static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>I_x(a, b) with y = 1 − x computed here.</summary>
    public static double IncompleteBeta(double a, double b, double x) => IncompleteBeta(a, b, x, 1 - x);

    // The continued fraction 1/(1+ d1/(1+ d2/(1+ ...))) of I_x(a,b), NR3 eq. 6.4.5, evaluated by modified Lentz.
    static double BetaContinuedFraction(double a, double b, double x)
    {
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m < MaxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));     // even step d_2m
            d = 1 + aa * d;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));   // odd step d_2m+1
            d = 1 + aa * d;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon) break;
        }
        return h;
    }
}
