using System.Diagnostics;
using Kefu.Nlu.Data;
using Kefu.Nlu.Pretrained;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;

namespace Kefu.Bench.Transformers;

/// <summary>Fixed training batches: [CLS] pieces [SEP] cut and padded to <see cref="Time"/> tokens, labels by sorted category.</summary>
public sealed record TrainingData(IReadOnlyList<string> Labels, IReadOnlyList<BertBatch> Batches, IReadOnlyList<int[]> Targets)
{
    public const int Batch = 32, Time = 32;

    /// <summary>Every stride-th example of a `text,category` CSV until <paramref name="batches"/> × 32 examples are taken.</summary>
    public static TrainingData Read(string csv, BertTokenizer tokenizer, int batches)
    {
        var rows = NluDataReader.ReadCsv(csv).Select(e => (e.Text, Category: e.Intent)).ToList();
        var labels = rows.Select(r => r.Category).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelIds = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        int stride = Math.Max(1, rows.Count / (batches * Batch));
        var taken = rows.Where((_, i) => i % stride == 0).Take(batches * Batch).ToList();
        if (taken.Count < batches * Batch)
            throw new InvalidDataException($"{csv}: {rows.Count} rows are too few for {batches} batches of {Batch}.");
        var list = new List<BertBatch>();
        var targets = new List<int[]>();
        for (int b = 0; b < batches; b++)
        {
            var ids = new int[Batch * Time];
            var mask = new float[Batch * Time];
            Array.Fill(ids, tokenizer.PaddingId);
            var target = new int[Batch];
            for (int s = 0; s < Batch; s++)
            {
                var (text, category) = taken[b * Batch + s];
                var encoded = tokenizer.Encode(text, Time);
                encoded.CopyTo(ids, s * Time);
                mask.AsSpan(s * Time, encoded.Length).Fill(1f);
                target[s] = labelIds[category];
            }
            list.Add(new BertBatch(ids, mask, Batch, Time));
            targets.Add(target);
        }
        return new TrainingData(labels, list, targets);
    }
}

/// <summary>Medians over the timed steps, ms; a step is forward + loss, backward, clipping, AdamW, zeroing gradients.</summary>
public sealed record TrainResult(double StepMs, double ForwardMs, double BackwardMs, double ClipMs, double OptimizerMs, double ZeroMs, float FirstLoss, float LastLoss)
{
    public double ExamplesPerSecond => TrainingData.Batch * 1000 / StepMs;
}

/// <summary>
/// Fine-tuning as src/Kefu.Numerics/README.md's loop: BertClassifier (pooler, dropout 0.1 everywhere, linear head),
/// cross-entropy, backward, clip to norm 1, AdamW (lr 5e-5, weight decay 0.01 on matrices and embeddings), zero grads.
/// </summary>
public static class FineTuning
{
    public const float LearningRate = 5e-5f, MaxGradNorm = 1f;

    public static TrainResult Run(BertClassifier model, TrainingData data, int warmupSteps, int steps)
    {
        var parameters = model.Parameters;
        parameters.Decay.LearningRate = parameters.NoDecay.LearningRate = LearningRate;
        var optimizer = new AdamW(parameters);
        var graph = new Graph(recordTape: true, seed: 3);
        var phases = new double[5][];
        for (int p = 0; p < phases.Length; p++)
            phases[p] = new double[steps];
        var stepMs = new double[steps];
        float firstLoss = 0, lastLoss = 0;
        Span<long> marks = stackalloc long[6];
        for (int i = -warmupSteps; i < steps; i++)
        {
            int b = (i + warmupSteps) % data.Batches.Count;
            marks[0] = Stopwatch.GetTimestamp();
            graph.Reset();
            var logits = model.Forward(graph, data.Batches[b]);                 // [B, K]
            var loss = graph.CrossEntropy(logits, data.Targets[b]);
            marks[1] = Stopwatch.GetTimestamp();
            graph.Backward(loss);
            marks[2] = Stopwatch.GetTimestamp();
            parameters.ClipGradientNorm(MaxGradNorm);
            marks[3] = Stopwatch.GetTimestamp();
            optimizer.Step();
            marks[4] = Stopwatch.GetTimestamp();
            parameters.ZeroGradients();
            marks[5] = Stopwatch.GetTimestamp();
            if (i == -warmupSteps)
                firstLoss = loss.Span[0];
            lastLoss = loss.Span[0];
            if (i < 0)
                continue;
            stepMs[i] = Stopwatch.GetElapsedTime(marks[0], marks[5]).TotalMilliseconds;
            for (int p = 0; p < phases.Length; p++)
                phases[p][i] = Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMilliseconds;
        }
        return new TrainResult(Stats.Median(stepMs), Stats.Median(phases[0]), Stats.Median(phases[1]), Stats.Median(phases[2]),
            Stats.Median(phases[3]), Stats.Median(phases[4]), firstLoss, lastLoss);
    }
}

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    public static float[] Normalized(ReadOnlySpan<float> x)
    {
        var y = x.ToArray();
        float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(y));
        System.Numerics.Tensors.TensorPrimitives.Divide(y, MathF.Max(norm, 1e-12f), y);
        return y;
    }
}
