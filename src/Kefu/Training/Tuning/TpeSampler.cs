namespace Kefu.Training.Tuning;

/// <summary>A finished trial as the sampler sees it: its point (one coordinate per option) and its score; pruned ones lost.</summary>
public sealed record Observation(int Number, double[] Point, double Score, bool Pruned);

/// <summary>
/// The Tree-structured Parzen Estimator (Bergstra et al. 2011) with Optuna's TPESampler defaults, each option on its
/// own (Optuna's default, multivariate=False): 10 random start-up trials; then the best γ(n) = min(⌈0.1·n⌉, 25)
/// trials make the density l(x) and the rest g(x) — pruned trials are always in g — and of 24 candidates drawn from l
/// the one with the largest log l(x) − log g(x) is tried. Numbers: a mixture of Gaussians truncated to the range, one
/// per observation plus a wide prior at the centre, bandwidths from the neighbours' distances clipped to
/// [range / min(100, 1 + n), range] (Optuna's "magic clip"). Choices: observed counts plus a prior weight of 1 spread
/// over all choices. Scores are maximised.
/// Reference: optuna/samplers/_tpe/sampler.py and parzen_estimator.py (read to learn, not copied).
/// </summary>
public sealed class TpeSampler(IReadOnlyList<TunedOption> options, int seed, int startupTrials = 10, int candidates = 24)
{
    private readonly Random _random = new(seed);

    public double[] Next(IReadOnlyList<Observation> history)
    {
        var point = new double[options.Count];
        bool startup = history.Count < startupTrials;      // Optuna counts complete and pruned trials
        var ranked = history.OrderByDescending(h => h.Pruned ? double.NegativeInfinity : h.Score).ThenBy(h => h.Number).ToList();
        int nBelow = Math.Min((int)Math.Ceiling(0.1 * history.Count), 25);
        nBelow = Math.Min(nBelow, history.Count(h => !h.Pruned));
        var below = ranked.Take(nBelow).OrderBy(h => h.Number).ToList();
        var above = ranked.Skip(nBelow).OrderBy(h => h.Number).ToList();
        for (int d = 0; d < options.Count; d++)
        {
            var (low, high) = options[d].Bounds;
            if (startup || below.Count == 0)
            {
                point[d] = options[d].IsCategorical ? _random.Next((int)high) : low + _random.NextDouble() * (high - low);
                continue;
            }
            point[d] = options[d].IsCategorical
                ? BestCategory((int)high, below.Select(b => (int)b.Point[d]).ToArray(), Weights(below.Count), above.Select(a => (int)a.Point[d]).ToArray(), Weights(above.Count))
                : BestNumber(low, high, below.Select(b => b.Point[d]).ToArray(), Weights(below.Count), above.Select(a => a.Point[d]).ToArray(), Weights(above.Count));
        }
        return point;
    }

    /// <summary>Optuna's default_weights: equal for the last 25 trials, a ramp from 1/n up for older ones (oldest first).</summary>
    internal static double[] Weights(int n)
    {
        if (n < 25) return Enumerable.Repeat(1.0, n).ToArray();
        var w = new double[n];
        int ramp = n - 25;
        for (int i = 0; i < ramp; i++) w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1 - 1.0 / n) * i / (ramp - 1);
        for (int i = ramp; i < n; i++) w[i] = 1;
        return w;
    }

    private double BestNumber(double low, double high, double[] good, double[] goodW, double[] bad, double[] badW)
    {
        var l = Parzen.Build(low, high, good, goodW);
        var g = Parzen.Build(low, high, bad, badW);
        double best = double.NaN, bestScore = double.NegativeInfinity;
        for (int i = 0; i < candidates; i++)
        {
            double x = l.Sample(_random);
            double score = l.LogPdf(x) - g.LogPdf(x);
            if (score > bestScore) (best, bestScore) = (x, score);
        }
        return best;
    }

    private int BestCategory(int count, int[] good, double[] goodW, int[] bad, double[] badW)
    {
        double[] Density(int[] seen, double[] w)
        {
            var p = Enumerable.Repeat(1.0 / count, count).ToArray();     // prior weight 1 spread over the choices
            for (int i = 0; i < seen.Length; i++) p[seen[i]] += w[i];
            double sum = p.Sum();
            return p.Select(v => v / sum).ToArray();
        }
        var pl = Density(good, goodW);
        var pg = Density(bad, badW);
        int best = 0; double bestScore = double.NegativeInfinity;
        for (int i = 0; i < candidates; i++)
        {
            // draw from l
            double u = _random.NextDouble(), acc = 0;
            int c = count - 1;
            for (int k = 0; k < count; k++) { acc += pl[k]; if (u < acc) { c = k; break; } }
            double score = Math.Log(pl[c]) - Math.Log(pg[c]);
            if (score > bestScore) (best, bestScore) = (c, score);
        }
        return best;
    }

    /// <summary>A mixture of Gaussians truncated to [Low, High]: the observations plus the prior N((low+high)/2, high−low).</summary>
    internal sealed record Parzen(double Low, double High, double[] Mu, double[] Sigma, double[] Weight)
    {
        public static Parzen Build(double low, double high, double[] mus, double[] weights)
        {
            int n = mus.Length;
            double range = high - low;
            var order = Enumerable.Range(0, n).OrderBy(i => mus[i]).ToArray();
            var sorted = new double[n + 2];
            sorted[0] = low; sorted[^1] = high;
            for (int k = 0; k < n; k++) sorted[k + 1] = mus[order[k]];
            var sigma = new double[n];
            for (int k = 0; k < n; k++)
            {
                double s = Math.Max(sorted[k + 1] - sorted[k], sorted[k + 2] - sorted[k + 1]);
                // consider_endpoints=False: the outermost kernels look at their inner neighbour only
                if (n >= 2 && k == 0) s = sorted[2] - sorted[1];
                if (n >= 2 && k == n - 1) s = sorted[n] - sorted[n - 1];
                sigma[order[k]] = Math.Clamp(s, range / Math.Min(100.0, 1.0 + n + 1), range);
            }
            double total = weights.Sum() + 1.0;
            return new(low, high,
                [.. mus, (low + high) / 2],
                [.. sigma, range],
                [.. weights.Select(w => w / total), 1.0 / total]);
        }

        public double Sample(Random random)
        {
            double u = random.NextDouble(), acc = 0;
            int k = Weight.Length - 1;
            for (int i = 0; i < Weight.Length; i++) { acc += Weight[i]; if (u < acc) { k = i; break; } }
            // truncation by inverse CDF: uniform between the CDF at the ends
            double a = NormalCdf((Low - Mu[k]) / Sigma[k]), b = NormalCdf((High - Mu[k]) / Sigma[k]);
            double p = a + random.NextDouble() * (b - a);
            return Math.Clamp(Mu[k] + Sigma[k] * NormalQuantile(p), Low, High);
        }

        public double LogPdf(double x)
        {
            double sum = 0;
            for (int k = 0; k < Mu.Length; k++)
            {
                double z = (x - Mu[k]) / Sigma[k];
                double mass = NormalCdf((High - Mu[k]) / Sigma[k]) - NormalCdf((Low - Mu[k]) / Sigma[k]);
                sum += Weight[k] * Math.Exp(-0.5 * z * z) / (Sigma[k] * Math.Sqrt(2 * Math.PI) * Math.Max(mass, 1e-12));
            }
            return Math.Log(Math.Max(sum, 1e-300));
        }
    }

    /// <summary>Φ(z) through erf (Abramowitz and Stegun 7.1.26, |error| below 1.5e-7).</summary>
    internal static double NormalCdf(double z) => 0.5 * (1 + Erf(z / Math.Sqrt(2)));

    internal static double Erf(double x)
    {
        double sign = Math.Sign(x); x = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * x);
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return sign * y;
    }

    /// <summary>Φ⁻¹(p) by bisection on <see cref="NormalCdf"/>: 60 halvings of [−10, 10] is far finer than the sampler needs.</summary>
    internal static double NormalQuantile(double p)
    {
        double lo = -10, hi = 10;
        for (int i = 0; i < 60; i++) { double mid = (lo + hi) / 2; if (NormalCdf(mid) < p) lo = mid; else hi = mid; }
        return (lo + hi) / 2;
    }
}
