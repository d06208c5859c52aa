namespace Kefu.Nlu.Intents;

/// <summary>Fits the softmax temperature and the out-of-scope threshold on held-out scores.</summary>
public static class Calibration
{
    /// <summary>
    /// The temperature minimizing the negative log-likelihood of <paramref name="labels"/> under
    /// softmax([scores, 0] / T) (see <see cref="IntentClassifier"/>); golden-section search over ln T in [ln 0.01, ln 100].
    /// </summary>
    public static float FitTemperature(float[][] scores, int[] labels)
    {
        double lo = Math.Log(0.01), hi = Math.Log(100);
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
        double fa = NegativeLogLikelihood(scores, labels, Math.Exp(a)), fb = NegativeLogLikelihood(scores, labels, Math.Exp(b));
        for (int i = 0; i < 60; i++)
        {
            if (fa < fb) { hi = b; b = a; fb = fa; a = hi - ratio * (hi - lo); fa = NegativeLogLikelihood(scores, labels, Math.Exp(a)); }
            else { lo = a; a = b; fa = fb; b = lo + ratio * (hi - lo); fb = NegativeLogLikelihood(scores, labels, Math.Exp(b)); }
        }
        return (float)Math.Exp((lo + hi) / 2);
    }

    public static double NegativeLogLikelihood(float[][] scores, int[] labels, double temperature)
    {
        double total = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            double max = 0; // the "none" logit
            foreach (float v in s) max = Math.Max(max, v / temperature);
            double sum = Math.Exp(-max);
            foreach (float v in s) sum += Math.Exp(v / temperature - max);
            total += max + Math.Log(sum) - s[labels[i]] / temperature;
        }
        return total / Math.Max(1, scores.Length);
    }

    /// <summary>
    /// The confidence threshold below which a prediction becomes out-of-scope, chosen on held-out
    /// predictions to maximize the F1 of the out-of-scope class, where a prediction counts as OOS when
    /// its label is <paramref name="oosLabel"/> or its confidence is below the threshold. F1 rather than
    /// in-scope accuracy + OOS recall: with few OOS examples the latter rejects far too many in-scope ones.
    /// Returns 0 when the held-out data has no OOS examples.
    /// </summary>
    public static float FitOosThreshold(IReadOnlyList<(int Predicted, float Confidence, int Gold)> heldOut, int oosLabel)
    {
        int oosTotal = heldOut.Count(p => p.Gold == oosLabel);
        if (oosTotal == 0 || oosTotal == heldOut.Count) return 0f;
        // Raising the threshold past a prediction's confidence rejects it: sweep them in ascending order.
        var rejectable = heldOut.Where(p => p.Predicted != oosLabel).OrderBy(p => p.Confidence).ToList();
        int caught = heldOut.Count(p => p.Predicted == oosLabel && p.Gold == oosLabel);
        int falseAlarms = heldOut.Count(p => p.Predicted == oosLabel && p.Gold != oosLabel);
        float best = 0f;
        double bestF1 = F1(caught, falseAlarms, oosTotal);
        for (int i = 0; i < rejectable.Count; i++)
        {
            var p = rejectable[i];
            if (p.Gold == oosLabel) caught++; else falseAlarms++;
            if (i + 1 < rejectable.Count && rejectable[i + 1].Confidence == p.Confidence) continue;
            double f1 = F1(caught, falseAlarms, oosTotal);
            if (f1 > bestF1 + 1e-12)
            {
                bestF1 = f1;
                best = i + 1 < rejectable.Count ? (p.Confidence + rejectable[i + 1].Confidence) / 2 : MathF.BitIncrement(p.Confidence);
            }
        }
        return best;
    }

    static double F1(int truePositives, int falsePositives, int positives) =>
        truePositives == 0 ? 0 : 2.0 * truePositives / (2.0 * truePositives + falsePositives + (positives - truePositives));
}
