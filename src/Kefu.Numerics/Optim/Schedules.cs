namespace Kefu.Numerics.Optim;

/// <summary>Learning-rate schedules as pure functions of the step (0-based): each returns the factor that scales the groups' learning rates.</summary>
public static class Schedules
{
    public static float Constant(int step) => 1f;

    /// <summary>Linear warm-up from 0 to 1 over <paramref name="warmupSteps"/>, then linear decay to 0 at <paramref name="totalSteps"/> (BERT's schedule).</summary>
    public static float WarmupLinear(int step, int warmupSteps, int totalSteps)
    {
        if (step < warmupSteps)
            return (step + 1f) / warmupSteps;
        if (step >= totalSteps)
            return 0f;
        return (float)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps);
    }

    /// <summary>Linear warm-up, then half a cosine from 1 down to <paramref name="minFactor"/> at <paramref name="totalSteps"/>.</summary>
    public static float WarmupCosine(int step, int warmupSteps, int totalSteps, float minFactor = 0f)
    {
        if (step < warmupSteps)
            return (step + 1f) / warmupSteps;
        if (step >= totalSteps)
            return minFactor;
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return minFactor + (1f - minFactor) * (float)(0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
