using Kefu.Numerics.Ops;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>The smaller model a teacher is distilled into.</summary>
/// <param name="Layers">Encoder layers of the student.</param>
/// <param name="Hidden">Null: the teacher's width, the student initialised from the teacher's embeddings and evenly spaced
/// layers (as DistilBERT); a number: Kefu's from-scratch encoder of that width, randomly initialised, the teacher's vocabulary.</param>
public sealed record StudentShape(int Layers, int? Hidden = null, int Heads = 4)
{
    /// <summary>"3" (teacher layers) or "2x256" (from scratch: layers x hidden), as config.yml's distill_to and --student write it.</summary>
    public static StudentShape Parse(string text)
    {
        var parts = text.Split('x', StringSplitOptions.TrimEntries);
        if (parts.Length == 1 && int.TryParse(parts[0], out int layers) && layers > 0)
            return new StudentShape(layers);
        if (parts.Length == 2 && int.TryParse(parts[0], out layers) && int.TryParse(parts[1], out int hidden) && layers > 0 && hidden > 0 && hidden % 4 == 0)
            return new StudentShape(layers, hidden);
        throw new ArgumentException($"student '{text}' is not N (the teacher's first layers, evenly spaced) or NxH (a from-scratch encoder of N layers, width H, a multiple of 4)");
    }

    public override string ToString() => Hidden is { } h ? $"{Layers}x{h} from scratch" : $"{Layers} of the teacher's layers";
}

/// <summary>
/// Knowledge distillation (Hinton et al., 2015; DistilBERT, Sanh et al., 2019): a fine-tuned teacher's intent
/// probabilities at a temperature train a smaller student beside the gold labels. The student keeps the teacher's
/// tokenizer, intents and entity tags; its entity head learns from the gold tags.
/// </summary>
public static class Distiller
{
    /// <summary>A student of <paramref name="shape"/> with the teacher's labels, initialised as <see cref="StudentShape"/> says.</summary>
    public static TransformerNlu Student(TransformerNlu teacher, StudentShape shape, int seed = 1)
    {
        var t = teacher.Model.Config;
        if (shape.Hidden is null && shape.Layers >= t.Layers)
            throw new ArgumentException($"a student of {shape.Layers} of the teacher's layers is not smaller than the teacher's {t.Layers}");
        var config = shape.Hidden is { } hidden
            ? t with { Hidden = hidden, Layers = shape.Layers, Heads = shape.Heads, Intermediate = 4 * hidden }
            : t with { Layers = shape.Layers };
        var student = new BertClassifier(config, teacher.Model.Tags, (ulong)seed) { Pooling = teacher.Model.Pooling };
        if (shape.Hidden is null)
        {
            // layer j of the student starts as teacher layer round(j (L − 1) / (N − 1)): the first and the last kept
            int[] kept = [.. Enumerable.Range(0, shape.Layers).Select(j => shape.Layers == 1 ? t.Layers - 1 : (int)Math.Round(j * (t.Layers - 1.0) / (shape.Layers - 1)))];
            foreach (var p in student.Parameters.Parameters)
            {
                string name = p.Name;
                if (name.StartsWith("encoder.layers.", StringComparison.Ordinal))
                {
                    int dot = name.IndexOf('.', "encoder.layers.".Length);
                    int j = int.Parse(name["encoder.layers.".Length..dot], System.Globalization.CultureInfo.InvariantCulture);
                    name = $"encoder.layers.{kept[j]}{name[dot..]}";
                }
                ((Numerics.Tensor)teacher.Model.Parameters[name]).Span.CopyTo(p.Span);
            }
        }
        return new TransformerNlu(student, teacher.Tokenizer, teacher.MaxLength, teacher.ConfigSource);
    }

    /// <summary>The teacher's softmax(z / T) [K] for each example, batched for speed.</summary>
    public static float[][] SoftTargets(TransformerNlu teacher, IReadOnlyList<NluExample> examples, float temperature)
    {
        int k = teacher.Intents.Count;
        var targets = new float[examples.Count][];
        const int chunk = 32;
        for (int start = 0; start < examples.Count; start += chunk)
        {
            var texts = examples.Skip(start).Take(chunk).Select(e => e.Text).ToArray();
            var logits = teacher.Model.Logits(teacher.Tokenizer.EncodeBatch(texts, teacher.MaxLength));
            for (int b = 0; b < texts.Length; b++)
            {
                var row = logits.AsSpan(b * k, k).ToArray();
                for (int j = 0; j < k; j++) row[j] /= temperature;
                SoftmaxOp.Forward(row, row, 1, k);
                targets[start + b] = row;
            }
        }
        return targets;
    }

    /// <summary>Trains <paramref name="student"/> on the teacher's soft targets (weight <paramref name="alpha"/>) and the gold labels.</summary>
    public static FineTuneResult Distill(TransformerNlu teacher, TransformerNlu student, NluTrainingData train, NluTrainingData? validation,
        FineTuneOptions options, float temperature = 2f, float alpha = 0.5f, IProgress<FineTuneProgress>? progress = null)
    {
        if (!(temperature > 0) || alpha is < 0 or > 1)
            throw new ArgumentException($"temperature must be positive and alpha in [0, 1]; got {temperature} and {alpha}");
        var soft = new FineTuner.Distillation(SoftTargets(teacher, train.Examples, temperature), temperature, alpha);
        return FineTuner.Train(student, train, validation, options, null, progress, soft);
    }
}
