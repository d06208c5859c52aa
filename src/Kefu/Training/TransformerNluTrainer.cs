using Kefu.Hub;
using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Nlu.Pretrained;

namespace Kefu.Training;

/// <summary>Trains the NLU of a pipeline with a TransformerClassifier: the fine-tuned encoder gives intents and entities.</summary>
public static class TransformerNluTrainer
{
    public static NluModel Train(NluTrainingData data, NluConfig config, TransformerClassifierConfig transformer,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        // the download's progress bars go to stderr, where the CLI's own progress goes
        string folder = ModelLocator.Resolve(transformer.Model, transformer.Revision, progress is null ? null : Console.Error, cancellation);
        // With out-of-scope examples and no threshold given, they train no class of their own: they and every 10th in-scope
        // example of each intent are held out, and the in-scope confidences there fix the fallback threshold
        // (Calibration.FitOosThreshold). On CLINC150 an oos class made the fine-tuned encoder confident on out-of-scope
        // queries (val OOS recall 0.43, against 0.64 without it at the same in-scope rejection rate; docs/benchmarks.md).
        bool fitThreshold = config.FallbackThreshold is null && config.OosLabel is { } oos && data.Examples.Any(e => e.Intent == oos);
        var (train, heldOut) = fitThreshold ? HoldOut(data, 10, config.OosLabel) : (data, null);
        progress?.Report($"fine-tuning {transformer.Model} ({folder}) on {train.Examples.Count} examples" +
            (heldOut is null ? "" : $", {heldOut.Examples.Count} held out to fit the out-of-scope threshold") + $": {transformer.FineTune}");
        var validation = heldOut is null ? null : NluTrainingData.FromExamples([.. heldOut.Examples.Where(e => e.Intent != config.OosLabel)]);
        var tuned = FineTuner.Train(folder, train, validation, transformer.FineTune, progress: Report(progress), cancellation: cancellation).Model;
        if (transformer.DistillTo is { } shape)
        {
            var student = StudentShape.Parse(shape);
            progress?.Report($"distilling into a student of {student} (temperature 2, alpha 0.5)");
            tuned = Distiller.Distill(tuned, Distiller.Student(tuned, student, transformer.FineTune.Seed), train, validation, transformer.FineTune,
                progress: Report(progress)).Model;
        }
        float threshold = FitThreshold(config, heldOut, tuned.Intents, text => tuned.Predict(text).Probabilities, progress);
        var patterns = EntityPatterns.Of(data);
        var parser = new TransformerParser(tuned, patterns, data.Synonyms);
        return new NluModel(config, parser, parser.EntityTypes.Count > 0 || patterns is not null ? parser : null, threshold);
    }

    /// <summary>
    /// The fallback threshold: the config's, or with <paramref name="heldOut"/> examples the one that turns the configured share
    /// of their in-scope messages into fallbacks (<see cref="Nlu.Intents.Calibration.FitOosThreshold"/>).
    /// </summary>
    internal static float FitThreshold(NluConfig config, NluTrainingData? heldOut, IReadOnlyList<string> intents,
        Func<string, float[]> probabilities, IProgress<string>? progress)
    {
        if (heldOut is null)
            return config.FallbackThreshold ?? NluConfig.DefaultFallbackThreshold;
        // the out-of-scope label may have no class (see Train): gold -1 marks its examples
        var index = intents.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
        int oos = index.GetValueOrDefault(config.OosLabel!, -1);
        var predictions = heldOut.Examples.Select(e =>
        {
            var p = probabilities(e.Text);
            int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(p);
            return (best, p[best], e.Intent == config.OosLabel ? oos : index.GetValueOrDefault(e.Intent, -1));
        }).ToList();
        float threshold = Nlu.Intents.Calibration.FitOosThreshold(predictions, oos, config.OosInScopeRejection);
        progress?.Report($"out-of-scope threshold {threshold:F4} (in-scope rejection {config.OosInScopeRejection:P2} on {predictions.Count} held-out examples)");
        return threshold;
    }

    /// <summary>
    /// Every <paramref name="every"/>-th example of each intent held out, and all of <paramref name="heldOutLabel"/>'s;
    /// intents with fewer examples stay whole in training.
    /// </summary>
    internal static (NluTrainingData Train, NluTrainingData HeldOut) HoldOut(NluTrainingData data, int every, string? heldOutLabel = null)
    {
        var seen = new Dictionary<string, int>();
        var train = new List<NluExample>();
        var heldOut = new List<NluExample>();
        foreach (var e in data.Examples)
        {
            int n = seen[e.Intent] = seen.GetValueOrDefault(e.Intent) + 1;
            (n % every == 0 || e.Intent == heldOutLabel ? heldOut : train).Add(e);
        }
        return (data with { Examples = train }, NluTrainingData.FromExamples(heldOut));
    }

    /// <summary>About twenty lines a run, and one per epoch.</summary>
    public static IProgress<FineTuneProgress>? Report(IProgress<string>? progress)
    {
        if (progress is null)
            return null;
        return new SynchronousProgress<FineTuneProgress>(p =>
        {
            if (p.EpochDone is { } epoch)
                progress.Report($"epoch {epoch.Epoch}/{p.Epochs}: loss {epoch.TrainLoss:F4}, train accuracy {epoch.TrainAccuracy:F4}" +
                    (epoch.ValidationAccuracy is { } va ? $", validation accuracy {va:F4}" : "") +
                    (epoch.ValidationEntityF1 is { } f1 ? $", validation entity F1 {f1:F4}" : ""));
            else if (p.Step % Math.Max(1, p.TotalSteps / 20) == 0)
                progress.Report($"step {p.Step}/{p.TotalSteps} (epoch {p.Epoch}/{p.Epochs}): loss {p.Loss:F4}, accuracy {p.Accuracy:F4}, " +
                    $"{p.ExamplesPerSecond:F1} examples/s, ETA {p.Remaining:hh\\:mm\\:ss}");
        });
    }
}

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
