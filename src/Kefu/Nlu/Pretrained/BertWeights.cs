using System.Text;
using Kefu.Numerics.IO;
using Kefu.Numerics.Optim;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// Hugging Face BertForSequenceClassification tensor names mapped onto the Kefu.Numerics parameters of
/// <see cref="BertClassifier"/>. Query, key and value [C, C] land in rows 0..C−1, C..2C−1 and 2C..3C−1 of
/// "encoder.layers.{i}.attention.qkv"; every other tensor maps one to one, with the same [out, in] layout.
/// </summary>
internal static class BertWeights
{
    /// <summary>One checkpoint tensor: its name and shape there, and where its values go.</summary>
    private sealed record Slot(string Name, int[] Shape, Parameter Target, int Offset);

    /// <summary>
    /// Checks every tensor first (missing, wrong shape, unreadable dtype, unexpected) and reports all problems in one
    /// error; only then copies values. Checkpoints of BertModel (no "bert." prefix) and pre-training heads ("cls.*") are accepted.
    /// </summary>
    /// <param name="withHead">False: "classifier.*" stays as initialised (a new head) and is not read.</param>
    public static void Load(SafetensorsFile file, BertClassifier model, bool withHead)
    {
        string prefix = file.TryGetTensor("bert.embeddings.word_embeddings.weight", out _) ? "bert." : "";
        var slots = Slots(model, prefix, withHead);
        var problems = new List<string>();
        var expected = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            if (!file.TryGetTensor(slot.Name, out var info))
                problems.Add($"missing \"{slot.Name}\" (expected shape [{string.Join(", ", slot.Shape)}])");
            else if (!info.Shape.SequenceEqual(slot.Shape.Select(d => (long)d)))
                problems.Add($"\"{slot.Name}\" has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", slot.Shape)}]");
            else if (info.DType is not ("F32" or "F16" or "BF16"))
                problems.Add($"\"{slot.Name}\" has dtype {info.DType}; only F32, F16 and BF16 can be read");
        }
        foreach (var info in file.Tensors)
        {
            if (!expected.Contains(info.Name) && !Ignored(info.Name, withHead))
                problems.Add($"unexpected \"{info.Name}\" (shape [{string.Join(", ", info.Shape)}])");
        }
        if (problems.Count > 0)
        {
            var message = new StringBuilder($"'{file.Path}' does not match a BERT classifier of this config.json ({problems.Count} problems):");
            foreach (string problem in problems)
                message.Append("\n  ").Append(problem);
            throw new InvalidDataException(message.ToString());
        }
        foreach (var slot in slots)
        {
            int length = slot.Shape.Aggregate(1, (a, d) => a * d);
            file.ReadFloat32(slot.Name, slot.Target.Span.Slice(slot.Offset, length));
        }
    }

    // buffers and heads a classifier has no use for
    private static bool Ignored(string name, bool withHead) =>
        name.EndsWith(".position_ids", StringComparison.Ordinal) || name.StartsWith("cls.", StringComparison.Ordinal)
        || (!withHead && name.StartsWith("classifier.", StringComparison.Ordinal));

    private static List<Slot> Slots(BertClassifier model, string prefix, bool withHead)
    {
        var config = model.Config;
        int c = config.Hidden, f = config.Intermediate;
        var slots = new List<Slot>();
        void Matrix(string name, Parameter target, int rows, int columns, int offset = 0) => slots.Add(new Slot(name, [rows, columns], target, offset));
        void Vector(string name, Parameter target, int length, int offset = 0) => slots.Add(new Slot(name, [length], target, offset));

        string e = prefix + "embeddings.";
        Matrix(e + "word_embeddings.weight", model.Embeddings.Token, config.VocabularySize, c);
        Matrix(e + "position_embeddings.weight", model.Embeddings.Position, config.MaxPositions, c);
        Matrix(e + "token_type_embeddings.weight", model.Embeddings.TokenType!, config.TokenTypes, c);
        Vector(e + "LayerNorm.weight", model.Embeddings.Norm.Gamma, c);
        Vector(e + "LayerNorm.bias", model.Embeddings.Norm.Beta, c);
        for (int i = 0; i < config.Layers; i++)
        {
            var block = model.Encoder.Blocks[i];
            string l = $"{prefix}encoder.layer.{i}.";
            string[] projections = ["query", "key", "value"];
            for (int p = 0; p < projections.Length; p++)
            {
                Matrix(l + $"attention.self.{projections[p]}.weight", block.Qkv.Weight, c, c, p * c * c);
                Vector(l + $"attention.self.{projections[p]}.bias", block.Qkv.Bias!, c, p * c);
            }
            Matrix(l + "attention.output.dense.weight", block.AttentionOutput.Weight, c, c);
            Vector(l + "attention.output.dense.bias", block.AttentionOutput.Bias!, c);
            Vector(l + "attention.output.LayerNorm.weight", block.AttentionNorm.Gamma, c);
            Vector(l + "attention.output.LayerNorm.bias", block.AttentionNorm.Beta, c);
            Matrix(l + "intermediate.dense.weight", block.Up.Weight, f, c);
            Vector(l + "intermediate.dense.bias", block.Up.Bias!, f);
            Matrix(l + "output.dense.weight", block.Down.Weight, c, f);
            Vector(l + "output.dense.bias", block.Down.Bias!, c);
            Vector(l + "output.LayerNorm.weight", block.FeedForwardNorm.Gamma, c);
            Vector(l + "output.LayerNorm.bias", block.FeedForwardNorm.Beta, c);
        }
        Matrix(prefix + "pooler.dense.weight", model.Pooler.Dense.Weight, c, c);
        Vector(prefix + "pooler.dense.bias", model.Pooler.Dense.Bias!, c);
        if (withHead)
        {
            Matrix("classifier.weight", model.Head.Output.Weight, model.Labels.Count, c);
            Vector("classifier.bias", model.Head.Output.Bias!, model.Labels.Count);
        }
        return slots;
    }
}
