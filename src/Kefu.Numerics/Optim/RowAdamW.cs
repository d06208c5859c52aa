namespace Kefu.Numerics.Optim;

/// <summary>
/// AdamW on the rows of one matrix parameter [R, C] that a step touched, e.g. the input weight of sparse features where a
/// batch uses a few thousand of R = 10⁵ rows: the rows not touched keep their values and moments (lazy Adam, as
/// PyTorch's SparseAdam, with decoupled weight decay on the touched rows). Each row's update is
/// <see cref="AdamW.Update"/>; the bias corrections count the steps of the whole model. The touched rows' gradients are
/// cleared after the step, so the rest of the gradient buffer is never read or written.
/// </summary>
public sealed class RowAdamW
{
    private readonly Parameter parameter;
    private readonly float[] moment, velocity;
    private readonly int columns;

    public RowAdamW(Parameter parameter, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        if (parameter.Shape.Rank != 2)
            throw new ArgumentException($"RowAdamW: {parameter} is not a matrix.", nameof(parameter));
        this.parameter = parameter;
        columns = parameter.Shape[1];
        moment = new float[parameter.Length];
        velocity = new float[parameter.Length];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public int StepCount { get; set; }

    /// <param name="rows">The distinct rows whose gradients this step holds.</param>
    public void Step(ReadOnlySpan<int> rows, float learningRateScale = 1f)
    {
        StepCount++;
        float correction1 = 1f - MathF.Pow(Beta1, StepCount), correction2 = 1f - MathF.Pow(Beta2, StepCount);
        float lr = parameter.Group.LearningRate * learningRateScale, decay = parameter.Group.WeightDecay;
        var set = parameter.Owner;
        var values = set.Values.Slice(parameter.Offset, parameter.Length);
        var grads = set.Gradients.Slice(parameter.Offset, parameter.Length);
        foreach (int row in rows)
        {
            int at = row * columns;
            var g = grads.Slice(at, columns);
            AdamW.Update(values.Slice(at, columns), g, moment.AsSpan(at, columns), velocity.AsSpan(at, columns),
                lr, decay, Beta1, Beta2, Epsilon, correction1, correction2);
            g.Clear();
        }
    }

    /// <summary>The distinct columns of a CSR batch, i.e. the input rows its gradient touches, in ascending order.</summary>
    public static int[] TouchedRows(CsrMatrix x, bool[] seen)
    {
        var rows = new List<int>();
        int end = x.RowStarts[x.Rows];
        for (int k = 0; k < end; k++)
        {
            int c = x.Columns[k];
            if (!seen[c]) { seen[c] = true; rows.Add(c); }
        }
        foreach (int c in rows) seen[c] = false;
        rows.Sort();
        return [.. rows];
    }
}
