using System.Text.Json;
using Kefu.Experiments;
using Xunit.Abstractions;

namespace Kefu.Tests.Experiments;

/// <summary>
/// Every p-value, statistic and special-function value of the A/B report against scipy, run through python3 on the
/// same numbers: scipy.stats.ttest_ind(b, a, equal_var=False), the pooled two-proportion z-test written out with
/// scipy.stats.norm, and scipy.special / scipy.stats quantiles.
/// </summary>
public class ScipyOracleTests(ITestOutputHelper log)
{
    // Simulated outcomes with known effects (seeded): tiny to huge effects, equal and unequal sizes and spreads.
    static List<(string Name, double[] A, double[] B)> MeanCases()
    {
        var random = new Random(19);
        double[] Normal(int n, double mean, double sd) => Enumerable.Range(0, n).Select(_ => mean + sd * Gaussian(random)).ToArray();
        double[] Stars(int n, double lift) => Enumerable.Range(0, n).Select(_ => Math.Clamp(Math.Round(3.8 + lift + Gaussian(random)), 1, 5)).ToArray();
        double[] Ms(int n, double scale) => Enumerable.Range(0, n).Select(_ => -scale * Math.Log(1 - random.NextDouble())).ToArray();
        return
        [
            ("no effect, 200 vs 200", Normal(200, 0, 1), Normal(200, 0, 1)),
            ("tiny effect 0.01 sd, 5000 vs 5000", Normal(5000, 0, 1), Normal(5000, 0.01, 1)),
            ("unequal sizes and spreads, 30 vs 500", Normal(30, 0, 1), Normal(500, 0.5, 5)),
            ("unequal sizes and spreads, 800 vs 25", Normal(800, 10, 0.2), Normal(25, 10.3, 3)),
            ("very small arms, 3 vs 4", Normal(3, 0, 1), Normal(4, 1, 2)),
            ("large effect 1 sd, 300 vs 300 (p ~ 1e-28)", Normal(300, 0, 1), Normal(300, 1, 1)),
            ("huge effect 2 sd, 400 vs 350 (p ~ 1e-100)", Normal(400, 0, 1), Normal(350, 2, 1.2)),
            ("stars +0.2, 600 vs 550", Stars(600, 0), Stars(550, 0.2)),
            ("response ms 800 vs 760, 2000 vs 1900", Ms(2000, 800), Ms(1900, 760)),
        ];
    }

    static readonly (string Name, Proportion A, Proportion B)[] RateCases =
    [
        ("500/1000 vs 520/1000", new(500, 1000), new(520, 1000)),
        ("rare events 50/10000 vs 80/10000", new(50, 10000), new(80, 10000)),
        ("unequal sizes, large effect 10/40 vs 300/400", new(10, 40), new(300, 400)),
        ("zero successes 0/50 vs 5/60", new(0, 50), new(5, 60)),
        ("huge effect 5000/10000 vs 6000/10000 (p ~ 1e-45)", new(5000, 10000), new(6000, 10000)),
        ("tiny difference 30001/100000 vs 30002/100000", new(30001, 100000), new(30002, 100000)),
    ];

    [ScipyFact]
    public void Welch_and_two_proportion_p_values_equal_scipy()
    {
        var means = MeanCases();
        using var scipy = Scipy.Run("""
            import json, sys
            import numpy as np
            from scipy import stats
            d = json.load(open(sys.argv[1]))
            out = {"means": [], "rates": []}
            for c in d["means"]:
                a, b = np.array(c["a"]), np.array(c["b"])
                r = stats.ttest_ind(b, a, equal_var=False)
                va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
                df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
                half = stats.t.ppf(1 - d["alpha"] / 2, df) * np.sqrt(va + vb)
                out["means"].append({"t": r.statistic, "p": r.pvalue, "df": df, "low": b.mean() - a.mean() - half, "high": b.mean() - a.mean() + half})
            for xa, na, xb, nb in d["rates"]:
                pa, pb, pool = xa / na, xb / nb, (xa + xb) / (na + nb)
                z = (pb - pa) / np.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
                chi2 = stats.chi2_contingency([[xa, na - xa], [xb, nb - xb]], correction=False)[1] if 0 < xa + xb < na + nb else None
                out["rates"].append({"z": z, "p": 2 * stats.norm.sf(abs(z)), "chi2_p": chi2})
            print(json.dumps(out))
            """, new
        {
            alpha = 0.05,
            means = means.Select(c => new { a = c.A, b = c.B }),
            rates = RateCases.Select(c => new[] { c.A.Successes, c.A.N, c.B.Successes, c.B.N }),
        });
        var expected = scipy.RootElement;
        for (int i = 0; i < means.Count; i++)
        {
            var (name, a, b) = means[i];
            var ours = HypothesisTests.Welch(SampleSummary.Of(a), SampleSummary.Of(b), 0.05);
            var theirs = expected.GetProperty("means")[i];
            log.WriteLine($"Welch {name}: t {ours.Statistic:R} df {ours.DegreesOfFreedom:R} p {ours.PValue:R}; scipy p {theirs.GetProperty("p").GetDouble():R}");
            Close(name + " t", theirs.GetProperty("t").GetDouble(), ours.Statistic!.Value, 1e-9);
            Close(name + " df", theirs.GetProperty("df").GetDouble(), ours.DegreesOfFreedom!.Value, 1e-9);
            PValue(name, theirs.GetProperty("p").GetDouble(), ours.PValue!.Value);
            Close(name + " CI low", theirs.GetProperty("low").GetDouble(), ours.DifferenceInterval!.Value.Low, 1e-9);
            Close(name + " CI high", theirs.GetProperty("high").GetDouble(), ours.DifferenceInterval!.Value.High, 1e-9);
        }
        for (int i = 0; i < RateCases.Length; i++)
        {
            var (name, a, b) = RateCases[i];
            var ours = HypothesisTests.TwoProportion(a, b, 0.05);
            var theirs = expected.GetProperty("rates")[i];
            log.WriteLine($"z-test {name}: z {ours.Statistic:R} p {ours.PValue:R}; scipy p {theirs.GetProperty("p").GetDouble():R}");
            Close(name + " z", theirs.GetProperty("z").GetDouble(), ours.Statistic!.Value, 1e-9);
            PValue(name, theirs.GetProperty("p").GetDouble(), ours.PValue!.Value);
            // z² is the chi-square statistic of the 2×2 table without Yates' correction: the same p-value
            Assert.True(Math.Abs(theirs.GetProperty("chi2_p").GetDouble() - ours.PValue!.Value) <= 1e-9 * ours.PValue.Value + 1e-15, $"{name}: chi-square p");
        }
        log.WriteLine($"p-values against scipy: largest absolute difference {largestAbsolute:E2}, largest relative difference {largestRelative:E2}");
    }

    [ScipyFact]
    public void Special_functions_and_quantiles_equal_scipy()
    {
        double[] gammaArgs = [1e-3, 0.1, 0.5, 1, 1.5, 2, 3.7, 10, 57.3, 1000, 123456.5];
        double[][] betaArgs = [[0.5, 0.5, 0.3], [2, 3, 0.4], [50, 0.5, 0.9], [0.5, 50, 0.01], [1000, 0.5, 0.999], [5000, 0.5, 0.99], [3, 4, 1e-8], [200, 300, 0.45], [5e5, 0.5, 0.999996]];
        double[] erfcArgs = [-3, -0.5, 0, 0.1, 0.5, 1, 1.2, 1.3, 2, 5, 10, 20, 26];
        double[][] tArgs = [[0.1, 1], [-2.5, 3.3], [2, 10], [10, 10], [40, 25.5], [6, 1998.7], [-30, 500], [1.96, 1e6]];
        double[] probabilities = [1e-12, 1e-5, 0.01, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999];
        double[] quantileDf = [1, 2.5, 9, 30, 804.6, 1e5];
        using var scipy = Scipy.Run("""
            import json, sys
            from scipy import special, stats
            d = json.load(open(sys.argv[1]))
            print(json.dumps({
                "gammaln": [special.gammaln(x) for x in d["gamma"]],
                "betaln": [special.betaln(a, b) for a, b, _ in d["beta"]],
                "betainc": [special.betainc(a, b, x) for a, b, x in d["beta"]],
                "erfc": [special.erfc(x) for x in d["erfc"]],
                "tsf": [stats.t.sf(t, df) for t, df in d["t"]],
                "norm_sf": [stats.norm.sf(x) for x in d["erfc"]],
                "norm_ppf": [stats.norm.ppf(p) for p in d["p"]],
                "t_ppf": [[stats.t.ppf(p, df) for p in d["p"]] for df in d["qdf"]],
                "t_cdf_at_ours": [[stats.t.cdf(q, df) for q in qs] for qs, df in zip(d["tq"], d["qdf"])],
            }))
            """, new
        {
            gamma = gammaArgs, beta = betaArgs, erfc = erfcArgs, t = tArgs, p = probabilities, qdf = quantileDf,
            tq = quantileDf.Select(df => probabilities.Select(p => StudentT.Quantile(p, df))),
        });
        var e = scipy.RootElement;
        for (int i = 0; i < gammaArgs.Length; i++)
            Close($"LogGamma({gammaArgs[i]})", e.GetProperty("gammaln")[i].GetDouble(), SpecialFunctions.LogGamma(gammaArgs[i]), 1e-13, absolute: 1e-14);
        for (int i = 0; i < betaArgs.Length; i++)
        {
            // scipy's betaln subtracts log-gammas for large a too: off by 3e-13 at a = 1000 and 2e-10 at a = 5e5, where
            // mpmath at 40 digits agrees with Kefu (StatisticsTests); it is compared only below a = 1e5, to 1e-12
            if (betaArgs[i][0] < 1e5) Close($"LogBeta({betaArgs[i][0]}, {betaArgs[i][1]})", e.GetProperty("betaln")[i].GetDouble(), SpecialFunctions.LogBeta(betaArgs[i][0], betaArgs[i][1]), 1e-13, absolute: 1e-12);
            // at a = 5e5 next to the switch x = (a+1)/(a+b+2) both continued fractions converge slowly: Kefu is 5e-11 from
            // mpmath there, scipy 2e-10 (StatisticsTests checks Kefu against mpmath)
            Close($"I({betaArgs[i][2]}; {betaArgs[i][0]}, {betaArgs[i][1]})", e.GetProperty("betainc")[i].GetDouble(),
                SpecialFunctions.IncompleteBeta(betaArgs[i][0], betaArgs[i][1], betaArgs[i][2]), betaArgs[i][0] < 1e5 ? 1e-11 : 5e-10);
        }
        for (int i = 0; i < erfcArgs.Length; i++)
        {
            Close($"Erfc({erfcArgs[i]})", e.GetProperty("erfc")[i].GetDouble(), SpecialFunctions.Erfc(erfcArgs[i]), 1e-13);
            Close($"Normal.Sf({erfcArgs[i]})", e.GetProperty("norm_sf")[i].GetDouble(), Normal.Sf(erfcArgs[i]), 1e-13);
        }
        for (int i = 0; i < tArgs.Length; i++)
            Close($"StudentT.Sf({tArgs[i][0]}, {tArgs[i][1]})", e.GetProperty("tsf")[i].GetDouble(), StudentT.Sf(tArgs[i][0], tArgs[i][1]), 1e-10);
        for (int i = 0; i < probabilities.Length; i++)
        {
            Close($"Normal.Quantile({probabilities[i]})", e.GetProperty("norm_ppf")[i].GetDouble(), Normal.Quantile(probabilities[i]), 1e-13, absolute: 1e-15);
            for (int j = 0; j < quantileDf.Length; j++)
            {
                // scipy's t.ppf is itself off by up to ~2e-9 (t.ppf(1e-5, 30): t.sf there is 9.9999997e-6), so ours is
                // held to 1e-8 of it, and to 1e-10 (relative to the tail) by scipy's own t.cdf at our quantile (which at
                // ν = 1e5 is itself off by ~2e-12, as its betaln is)
                double q = StudentT.Quantile(probabilities[i], quantileDf[j]), tail = Math.Min(probabilities[i], 1 - probabilities[i]);
                Close($"StudentT.Quantile({probabilities[i]}, {quantileDf[j]})", e.GetProperty("t_ppf")[j][i].GetDouble(), q, 1e-8, absolute: 1e-13);
                Assert.True(Math.Abs(e.GetProperty("t_cdf_at_ours")[j][i].GetDouble() - probabilities[i]) <= 1e-10 * tail + 4e-16,
                    $"scipy t.cdf(StudentT.Quantile({probabilities[i]}, {quantileDf[j]})) = {e.GetProperty("t_cdf_at_ours")[j][i].GetDouble():R}");
            }
        }
    }

    [ScipyFact]
    public void Sample_sizes_equal_the_formulas_worked_in_python()
    {
        double[][] means = [[1, 0.5], [1.1, 0.1], [900, 100], [0.3, 0.02]];
        double[][] rates = [[0.5, 0.05], [0.1, 0.02], [0.07, 0.01], [0.99, 0.02], [0.3, 0.1]];
        using var scipy = Scipy.Run("""
            import json, sys, math
            from scipy.stats import norm
            d = json.load(open(sys.argv[1]))
            za, zb = norm.ppf(1 - d["alpha"] / 2), norm.ppf(d["power"])
            m = [math.ceil(2 * (za + zb) ** 2 * s * s / (e * e)) for s, e in d["means"]]
            r = []
            for p1, e in d["rates"]:
                p2 = p1 + e if p1 + e <= 1 else p1 - e
                pm = (p1 + p2) / 2
                r.append(math.ceil((za * math.sqrt(2 * pm * (1 - pm)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (e * e)))
            print(json.dumps({"means": m, "rates": r}))
            """, new { alpha = 0.05, power = 0.8, means, rates });
        for (int i = 0; i < means.Length; i++)
            Assert.Equal(scipy.RootElement.GetProperty("means")[i].GetInt32(), SampleSize.Means(means[i][0], means[i][1], 0.05, 0.8));
        for (int i = 0; i < rates.Length; i++)
            Assert.Equal(scipy.RootElement.GetProperty("rates")[i].GetInt32(), SampleSize.Proportions(rates[i][0], rates[i][1], 0.05, 0.8));
    }

    double largestAbsolute, largestRelative;

    /// <summary>The report's criterion: within 1e-6 absolutely, and within 1e-9 relatively while scipy's p is a normal double.</summary>
    void PValue(string name, double expected, double actual)
    {
        largestAbsolute = Math.Max(largestAbsolute, Math.Abs(expected - actual));
        if (expected > 0) largestRelative = Math.Max(largestRelative, Math.Abs(expected - actual) / expected);
        Assert.True(Math.Abs(expected - actual) <= 1e-6, $"{name}: p {actual:R}, scipy {expected:R}");
        if (expected > 1e-300) Close(name + " p (relative)", expected, actual, 1e-9);
    }

    static void Close(string name, double expected, double actual, double relative, double absolute = 0)
    {
        double error = Math.Abs(expected - actual);
        Assert.True(error <= relative * Math.Abs(expected) || error <= absolute, $"{name}: Kefu {actual:R}, scipy {expected:R} (relative error {error / Math.Abs(expected):E2})");
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());   // Box–Muller
}

/// <summary>scipy through Debian's /usr/bin/python3 (python3-scipy comes with python3-sklearn; scripts/ci-deps.sh installs it).</summary>
internal static class Scipy
{
    /// <summary>The first python with scipy: python3 on PATH, else /usr/bin/python3 (PATH may hold a pyenv shim without it).</summary>
    public static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => PythonScript.TryRun(p, "import scipy", null, out _)));

    /// <summary>Runs the script with a JSON file of <paramref name="input"/> as argv[1]; its stdout is JSON.</summary>
    public static JsonDocument Run(string script, object input)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, JsonSerializer.Serialize(input));
            Assert.True(PythonScript.TryRun(Python.Value!, script, file, out string output), output);
            return JsonDocument.Parse(output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>A fact that is skipped, saying why, where python3 with scipy is not installed.</summary>
public sealed class ScipyFactAttribute : FactAttribute
{
    public ScipyFactAttribute()
    {
        if (Scipy.Python.Value is null)
            Skip = "scipy comparison skipped: no python3 with scipy (Debian package python3-scipy; run scripts/ci-deps.sh)";
    }
}
