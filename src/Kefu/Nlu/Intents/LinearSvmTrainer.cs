using Kefu.Nlu.Features;

namespace Kefu.Nlu.Intents;

/// <summary>
/// One-vs-rest L2-regularized squared-hinge linear SVMs, each solved in the dual by coordinate descent
/// with shrinking (Hsieh et al., "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008;
/// LIBLINEAR's default solver, as behind scikit-learn's LinearSVC). The bias is a constant feature of
/// value 1, regularized like the others. Classes are independent, so they train in parallel; each has its
/// own seeded random order, so the result does not depend on the thread count.
/// </summary>
public sealed record SvmOptions(float C = 1f, float Tolerance = 0.1f, int MaxIterations = 1000, int Seed = 1, int Threads = 0);

public static class LinearSvmTrainer
{
    /// <summary>
    /// Trains C binary SVMs. Returns weights [C, F + 1] (the last entry of each row the bias) and the dual
    /// variables [C, N]; passing those back as <paramref name="warmStart"/> (zeros for new rows) resumes
    /// from that solution, which is how the final model reuses the calibration fold's work.
    /// </summary>
    public static (float[][] Weights, float[][] Alphas) Train(SparseMatrix x, ReadOnlySpan<int> labels, int classCount,
        SvmOptions options, float[][]? warmStart = null)
    {
        var positives = new int[labels.Length][];
        for (int i = 0; i < labels.Length; i++) positives[i] = [labels[i]];
        return Train(x, positives, classCount, options, warmStart);
    }

    /// <summary>
    /// <see cref="Train(SparseMatrix, ReadOnlySpan{int}, int, SvmOptions, float[][])"/> for multi-label rows: row i is a
    /// positive example of each class in <paramref name="positives"/>[i] (see <see cref="IntentParts"/>).
    /// </summary>
    public static (float[][] Weights, float[][] Alphas) Train(SparseMatrix x, IReadOnlyList<int[]> positives, int classCount,
        SvmOptions options, float[][]? warmStart = null)
    {
        if (positives.Count != x.Rows) throw new ArgumentException("one label per row is required");
        var squaredNorms = new float[x.Rows];
        for (int i = 0; i < x.Rows; i++)
        {
            float s = 1f; // bias feature
            foreach (float v in x.RowValues(i)) s += v * v;
            squaredNorms[i] = s;
        }
        var weights = new float[classCount][];
        var alphas = new float[classCount][];
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        Parallel.For(0, classCount, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            alphas[c] = warmStart is null ? new float[x.Rows] : (float[])warmStart[c].Clone();
            weights[c] = TrainBinary(x, positives, c, squaredNorms, options, alphas[c]);
        });
        return (weights, alphas);
    }

    static float[] TrainBinary(SparseMatrix x, IReadOnlyList<int[]> positives, int positive, float[] squaredNorms, SvmOptions options, float[] alpha)
    {
        int n = x.Rows, f = x.ColumnCount;
        var w = new float[f + 1];
        var y = new sbyte[n];
        var index = new int[n];
        float diag = 0.5f / options.C;
        for (int i = 0; i < n; i++)
        {
            y[i] = Array.IndexOf(positives[i], positive) >= 0 ? (sbyte)1 : (sbyte)-1;
            index[i] = i;
            if (alpha[i] == 0f) continue;
            float d = alpha[i] * y[i];
            var cols = x.RowColumns(i);
            var vals = x.RowValues(i);
            for (int k = 0; k < cols.Length; k++) w[cols[k]] += d * vals[k];
            w[f] += d;
        }
        var random = new Random(unchecked(options.Seed * 1_000_003 + positive) & int.MaxValue); // not HashCode: it is salted per process
        int active = n;
        float pgMaxOld = float.PositiveInfinity; // L2 loss: alpha has no upper bound, so only this side shrinks
        for (int iteration = 0; iteration < options.MaxIterations; iteration++)
        {
            float pgMaxNew = float.NegativeInfinity, pgMinNew = float.PositiveInfinity;
            for (int s = 0; s < active; s++)
            {
                int j = s + random.Next(active - s);
                (index[s], index[j]) = (index[j], index[s]);
            }
            for (int s = 0; s < active; s++)
            {
                int i = index[s];
                var cols = x.RowColumns(i);
                var vals = x.RowValues(i);
                float dot = w[f];
                for (int k = 0; k < cols.Length; k++) dot += w[cols[k]] * vals[k];
                float g = y[i] * dot - 1f + diag * alpha[i];
                float pg = 0f;
                if (alpha[i] == 0f)
                {
                    if (g > pgMaxOld)
                    {
                        active--;
                        (index[s], index[active]) = (index[active], index[s]);
                        s--;
                        continue;
                    }
                    if (g < 0f) pg = g;
                }
                else
                {
                    pg = g;
                }
                pgMaxNew = Math.Max(pgMaxNew, pg);
                pgMinNew = Math.Min(pgMinNew, pg);
                if (MathF.Abs(pg) > 1e-12f)
                {
                    float old = alpha[i];
                    alpha[i] = MathF.Max(old - g / (squaredNorms[i] + diag), 0f);
                    float d = (alpha[i] - old) * y[i];
                    for (int k = 0; k < cols.Length; k++) w[cols[k]] += d * vals[k];
                    w[f] += d;
                }
            }
            if (pgMaxNew - pgMinNew <= options.Tolerance)
            {
                if (active == n) break;
                active = n;
                pgMaxOld = float.PositiveInfinity;
                continue;
            }
            pgMaxOld = pgMaxNew <= 0 ? float.PositiveInfinity : pgMaxNew;
        }
        return w;
    }
}
