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
    /// The confidence threshold below which a prediction becomes out-of-scope: the
    /// <paramref name="inScopeRejection"/> quantile of the held-out confidences of in-scope examples, so
    /// that fraction of real intents is given up to catch out-of-scope messages. A fixed in-distribution
    /// acceptance rate is the usual operating point in out-of-distribution detection (Hendrycks and
    /// Gimpel, ICLR 2017, report at 95%); it needs no out-of-scope examples, of which training data has few,
    /// and does not depend on their share in the training data.
    /// </summary>
    public static float FitOosThreshold(IReadOnlyList<(int Predicted, float Confidence, int Gold)> heldOut, int oosLabel,
        float inScopeRejection)
    {
        var confidences = heldOut.Where(p => p.Gold != oosLabel).Select(p => p.Confidence).Order().ToArray();
        if (confidences.Length == 0 || inScopeRejection <= 0) return 0f;
        int rejected = (int)Math.Floor(inScopeRejection * confidences.Length);
        if (rejected == 0) return 0f;
        return (confidences[rejected - 1] + confidences[Math.Min(rejected, confidences.Length - 1)]) / 2;
    }
}
