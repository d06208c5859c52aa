using System.Text;
using Kefu.Numerics.IO;
using Kefu.Numerics.Optim;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// Hugging Face tensor names of BERT, RoBERTa and DistilBERT mapped onto the Kefu.Numerics parameters of
/// <see cref="BertClassifier"/>, for loading and for saving in the layout of *ForSequenceClassification. Query, key
/// and value [C, C] land in rows 0..C−1, C..2C−1 and 2C..3C−1 of "encoder.layers.{i}.attention.qkv"; every other
/// tensor maps one to one, with the same [out, in] layout. The pooler is BERT's "pooler.dense", RoBERTa's
/// "classifier.dense" and DistilBERT's "pre_classifier"; Kefu's entity head is "token_classifier" and "crf.*".
/// </summary>
internal static class BertWeights
{
    /// <summary>One checkpoint tensor: its name and shape there, and where its values go.</summary>
    /// <param name="Optional">A tensor whose absence leaves the parameter as initialised (a base model without pooler).</param>
    private sealed record Slot(string Name, int[] Shape, Parameter Target, int Offset, bool Optional = false)
    {
        public int Length => Shape.Aggregate(1, (a, d) => a * d);
    }

    /// <summary>
    /// Checks every tensor first (missing, wrong shape, unreadable dtype, unexpected) and reports all problems in one
    /// error; only then copies values. Base checkpoints (BertModel, no "bert." prefix) and pre-training heads are accepted.
    /// </summary>
    /// <param name="withHeads">False: the classification and entity heads stay as initialised (new heads) and are not read.</param>
    public static void Load(Checkpoint checkpoint, BertClassifier model, bool withHeads)
    {
        string body = BodyPrefix(model.Config.Architecture);
        string prefix = checkpoint.TryGetTensor(body + "embeddings.word_embeddings.weight", out _) ? body : "";
        var slots = Slots(model, prefix, withHeads);
        var problems = new List<string>();
        var expected = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            if (!checkpoint.TryGetTensor(slot.Name, out var info))
            {
                if (!slot.Optional)
                    problems.Add($"missing \"{slot.Name}\" (expected shape [{string.Join(", ", slot.Shape)}])");
            }
            else if (!info.Shape.SequenceEqual(slot.Shape.Select(d => (long)d)))
                problems.Add($"\"{slot.Name}\" has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", slot.Shape)}]");
            else if (info.DType is not ("F32" or "F16" or "BF16"))
                problems.Add($"\"{slot.Name}\" has dtype {info.DType}; only F32, F16 and BF16 can be read");
        }
        foreach (var info in checkpoint.Tensors)
        {
            if (!expected.Contains(info.Name) && !Ignored(info.Name, prefix, withHeads))
                problems.Add($"unexpected \"{info.Name}\" (shape [{string.Join(", ", info.Shape)}])");
        }
        if (problems.Count > 0)
        {
            var message = new StringBuilder($"'{checkpoint.Description}' does not match a {model.Config.ModelType} model of this config.json ({problems.Count} problems):");
            foreach (string problem in problems.Take(20))
                message.Append("\n  ").Append(problem);
            if (problems.Count > 20)
                message.Append($"\n  ... and {problems.Count - 20} more");
            throw new InvalidDataException(message.ToString());
        }
        foreach (var slot in slots)
        {
            if (checkpoint.TryGetTensor(slot.Name, out _))
                checkpoint.ReadFloat32(slot.Name, slot.Target.Span.Slice(slot.Offset, slot.Length));
        }
    }

    /// <summary>Every parameter under its Hugging Face name (with the architecture's prefix), heads included.</summary>
    public static List<NamedTensor> Save(BertClassifier model)
    {
        var values = model.Parameters.Values;   // one read: Parameter.Span would mark the set changed per tensor
        var tensors = new List<NamedTensor>();
        foreach (var slot in Slots(model, BodyPrefix(model.Config.Architecture), withHeads: true))
            tensors.Add(new NamedTensor(slot.Name, slot.Shape, values.Slice(slot.Target.Offset + slot.Offset, slot.Length).ToArray()));
        return tensors;
    }

    private static string BodyPrefix(EncoderArchitecture architecture) => architecture switch
    {
        EncoderArchitecture.Roberta => "roberta.",
        EncoderArchitecture.DistilBert => "distilbert.",
        _ => "bert.",
    };

    // buffers and heads a classifier has no use for: position ids, masked-LM heads, a base model's unused pooler
    private static bool Ignored(string name, string prefix, bool withHeads) =>
        name.EndsWith(".position_ids", StringComparison.Ordinal)
        || name.StartsWith("cls.", StringComparison.Ordinal) || name.StartsWith("lm_head.", StringComparison.Ordinal)
        || name.StartsWith("vocab_", StringComparison.Ordinal)
        || (!withHeads && (name.StartsWith("classifier.", StringComparison.Ordinal) || name.StartsWith("pre_classifier.", StringComparison.Ordinal)
            || name.StartsWith("token_classifier.", StringComparison.Ordinal) || name.StartsWith("crf.", StringComparison.Ordinal)
            || name.StartsWith(prefix + "pooler.", StringComparison.Ordinal)));

    private static List<Slot> Slots(BertClassifier model, string prefix, bool withHeads)
    {
        var config = model.Config;
        int c = config.Hidden, f = config.Intermediate;
        var slots = new List<Slot>();
        void Matrix(string name, Parameter target, int rows, int columns, int offset = 0, bool optional = false) =>
            slots.Add(new Slot(name, [rows, columns], target, offset, optional));
        void Vector(string name, Parameter target, int length, int offset = 0, bool optional = false) =>
            slots.Add(new Slot(name, [length], target, offset, optional));
        void Dense(string name, Numerics.Modules.Linear linear, bool optional = false)
        {
            Matrix(name + ".weight", linear.Weight, linear.OutFeatures, linear.InFeatures, optional: optional);
            Vector(name + ".bias", linear.Bias!, linear.OutFeatures, optional: optional);
        }
        void Norm(string name, Numerics.Modules.LayerNorm norm)
        {
            Vector(name + ".weight", norm.Gamma, c);
            Vector(name + ".bias", norm.Beta, c);
        }

        bool distil = config.Architecture == EncoderArchitecture.DistilBert;
        string e = prefix + "embeddings.";
        Matrix(e + "word_embeddings.weight", model.Embeddings.Token, config.VocabularySize, c);
        Matrix(e + "position_embeddings.weight", model.Embeddings.Position, config.MaxPositions, c);
        if (model.Embeddings.TokenType is { } tokenType)
            Matrix(e + "token_type_embeddings.weight", tokenType, config.TokenTypes, c);
        Norm(e + "LayerNorm", model.Embeddings.Norm);
        for (int i = 0; i < config.Layers; i++)
        {
            var block = model.Encoder.Blocks[i];
            string l = distil ? $"{prefix}transformer.layer.{i}." : $"{prefix}encoder.layer.{i}.";
            string[] projections = distil ? ["attention.q_lin", "attention.k_lin", "attention.v_lin"] : ["attention.self.query", "attention.self.key", "attention.self.value"];
            for (int p = 0; p < projections.Length; p++)
            {
                Matrix(l + projections[p] + ".weight", block.Qkv.Weight, c, c, p * c * c);
                Vector(l + projections[p] + ".bias", block.Qkv.Bias!, c, p * c);
            }
            Dense(l + (distil ? "attention.out_lin" : "attention.output.dense"), block.AttentionOutput);
            Norm(l + (distil ? "sa_layer_norm" : "attention.output.LayerNorm"), block.AttentionNorm);
            Dense(l + (distil ? "ffn.lin1" : "intermediate.dense"), block.Up);
            Dense(l + (distil ? "ffn.lin2" : "output.dense"), block.Down);
            Norm(l + (distil ? "output_layer_norm" : "output.LayerNorm"), block.FeedForwardNorm);
        }
        switch (config.Architecture)
        {
            case EncoderArchitecture.Bert:
                Dense(prefix + "pooler.dense", model.Pooler.Dense, optional: !withHeads);
                break;
            case EncoderArchitecture.Roberta when withHeads:
                Dense("classifier.dense", model.Pooler.Dense);
                break;
            case EncoderArchitecture.Roberta:
                Dense(prefix + "pooler.dense", model.Pooler.Dense, optional: true);
                break;
            case EncoderArchitecture.DistilBert when withHeads:
                Dense("pre_classifier", model.Pooler.Dense);
                break;
        }
        if (withHeads)
        {
            Dense(config.Architecture == EncoderArchitecture.Roberta ? "classifier.out_proj" : "classifier", model.Head.Output);
            if (model.TokenHead is { } tokens)
                Dense("token_classifier", tokens.Output);
            if (model.Crf is { } crf)
            {
                int k = crf.Start.Length;
                Matrix("crf.transitions", crf.Transitions, k, k);
                Vector("crf.start", crf.Start, k);
                Vector("crf.end", crf.End, k);
            }
        }
        return slots;
    }
}
