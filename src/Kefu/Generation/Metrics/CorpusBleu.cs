namespace Kefu.Generation.Metrics;

/// <summary>sacrebleu's smoothing methods (Chen and Cherry, 2014): none, floor (1), add-k (2), exp (3, mteval's, the default).</summary>
public enum BleuSmoothing
{
    Exp,
    None,
    Floor,
    AddK,
}

/// <summary>A BLEU score as sacrebleu reports it: Score in [0, 100], the n-gram precisions in percent.</summary>
/// <param name="Counts">[N] matched n-grams of each order (clipped by the references' largest counts).</param>
/// <param name="Totals">[N] hypothesis n-grams of each order.</param>
public sealed record BleuScore(double Score, double[] Precisions, double BrevityPenalty, int HypothesisLength, int ReferenceLength,
    int[] Counts, int[] Totals)
{
    public override string ToString() => FormattableString.Invariant(
        $"BLEU = {Score:F2} {string.Join('/', Precisions.Select(p => p.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} (BP = {BrevityPenalty:F3} hyp_len = {HypothesisLength} ref_len = {ReferenceLength})");
}

/// <summary>
/// Corpus BLEU as sacrebleu 2.x computes it (sacrebleu/metrics/bleu.py): each segment's hypothesis n-grams (1..4) are
/// clipped by the largest count of that n-gram in any of its references, its reference length is the one closest to
/// the hypothesis (the shorter on ties); statistics are summed over the corpus, then
/// BLEU = BP · exp(mean log pₙ) with BP = exp(1 − r/c) when c &lt; r, and smoothing for zero matches.
/// Segments are right-stripped, optionally lowercased, then tokenized (<see cref="BleuTokenizer"/>).
/// </summary>
public sealed class CorpusBleu(BleuTokenization tokenization = BleuTokenization.Mteval13a, BleuSmoothing smoothing = BleuSmoothing.Exp,
    double? smoothValue = null, bool lowercase = false, bool effectiveOrder = false, int maxOrder = 4)
{
    public BleuTokenization Tokenization { get; } = tokenization;

    public BleuSmoothing Smoothing { get; } = smoothing;

    /// <summary>sacrebleu's signature of these settings, e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp".</summary>
    public string Signature(int references) => $"nrefs:{references}|case:{(lowercase ? "lc" : "mixed")}|eff:{(effectiveOrder ? "yes" : "no")}" +
        $"|tok:{BleuTokenizer.Name(Tokenization)}|smooth:{SmoothName()}";

    /// <param name="hypotheses">One generated text per segment.</param>
    /// <param name="references">Per segment, one or more reference texts.</param>
    public BleuScore Score(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"{hypotheses.Count} hypotheses but {references.Count} reference sets; each hypothesis needs its references.");
        var correct = new long[maxOrder];
        var total = new long[maxOrder];
        long hypLength = 0, refLength = 0;
        for (int s = 0; s < hypotheses.Count; s++)
        {
            if (references[s].Count == 0)
                throw new ArgumentException($"Segment {s} has no reference.");
            var refCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            var refLengths = new List<int>();
            foreach (string reference in references[s])
            {
                var (counts, length) = Ngrams(Preprocess(reference));
                refLengths.Add(length);
                foreach (var (ngram, count) in counts)
                    refCounts[ngram] = Math.Max(refCounts.GetValueOrDefault(ngram), count);
            }
            var (hypCounts, hypLen) = Ngrams(Preprocess(hypotheses[s]));
            hypLength += hypLen;
            refLength += ClosestLength(hypLen, refLengths);
            foreach (var (ngram, count) in hypCounts)
            {
                int n = Order(ngram) - 1;
                total[n] += count;
                if (refCounts.TryGetValue(ngram, out int inRef))
                    correct[n] += Math.Min(count, inRef);
            }
        }
        return Compute(correct, total, hypLength, refLength);
    }

    /// <summary>sacrebleu's sentence_score: the corpus formula over one segment (use effectiveOrder: true, as sacrebleu recommends).</summary>
    public BleuScore SentenceScore(string hypothesis, IReadOnlyList<string> references) => Score([hypothesis], [references]);

    /// <summary>BLEU.compute_bleu: the score of summed statistics.</summary>
    public BleuScore Compute(long[] correctCounts, long[] totalCounts, long hypLength, long refLength)
    {
        double[] correct = [.. correctCounts.Select(c => (double)c)], total = [.. totalCounts.Select(c => (double)c)];
        double value = smoothValue ?? Smoothing switch { BleuSmoothing.Floor => 0.1, BleuSmoothing.AddK => 1, _ => 0 };
        double bp = hypLength < refLength ? (hypLength > 0 ? Math.Exp(1 - (double)refLength / hypLength) : 0.0) : 1.0;
        var precisions = new double[maxOrder];
        int[] counts = [.. correctCounts.Select(c => (int)c)], totals = [.. totalCounts.Select(c => (int)c)];
        if (correct.All(c => c == 0))
            return new BleuScore(0, precisions, bp, (int)hypLength, (int)refLength, counts, totals);
        double smoothMteval = 1;
        int effective = maxOrder;
        for (int n = 1; n <= maxOrder; n++)
        {
            if (Smoothing == BleuSmoothing.AddK && n > 1)
            {
                correct[n - 1] += value;
                total[n - 1] += value;
            }
            if (total[n - 1] == 0)
                break;
            if (effectiveOrder)
                effective = n;
            if (correct[n - 1] == 0)
            {
                if (Smoothing == BleuSmoothing.Exp)
                {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1]);
                }
                else if (Smoothing == BleuSmoothing.Floor)
                    precisions[n - 1] = 100.0 * value / total[n - 1];
            }
            else
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
        }
        // sacrebleu's my_log: log(0) is −9999999999, so a missing order gives 0, not NaN
        double logSum = precisions.Take(effective).Sum(p => p == 0 ? -9999999999 : Math.Log(p));
        return new BleuScore(bp * Math.Exp(logSum / effective), precisions, bp, (int)hypLength, (int)refLength, counts, totals);
    }

    private string Preprocess(string segment)
    {
        if (lowercase)
            segment = segment.ToLowerInvariant();
        return BleuTokenizer.Tokenize(BleuTokenizer.PythonRstrip(segment), Tokenization);
    }

    // n-grams keyed by their tokens joined with U+0001 (never inside a token), counted; and the token count
    private (Dictionary<string, int> Counts, int Length) Ngrams(string tokenized)
    {
        string[] tokens = BleuTokenizer.SplitPython(tokenized);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 1; n <= maxOrder; n++)
        {
            for (int i = 0; i + n <= tokens.Length; i++)
            {
                string key = string.Join('\u0001', tokens, i, n);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return (counts, tokens.Length);
    }

    private static int Order(string ngram) => ngram.Count(c => c == '\u0001') + 1;

    private static int ClosestLength(int hypLength, List<int> refLengths)
    {
        int closestDiff = -1, closest = -1;
        foreach (int length in refLengths)
        {
            int diff = Math.Abs(hypLength - length);
            if (closestDiff == -1 || diff < closestDiff)
                (closestDiff, closest) = (diff, length);
            else if (diff == closestDiff && length < closest)
                closest = length;
        }
        return closest;
    }

    private string SmoothName() => Smoothing switch
    {
        BleuSmoothing.Floor => FormattableString.Invariant($"floor[{smoothValue ?? 0.1:F2}]"),
        BleuSmoothing.AddK => FormattableString.Invariant($"add-k[{smoothValue ?? 1:F2}]"),
        BleuSmoothing.None => "none",
        _ => "exp",
    };
}
