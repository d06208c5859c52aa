using System.Numerics.Tensors;
using Kefu.Nlu.Pretrained;

namespace Kefu.Nlu.Features;

/// <summary>
/// A pretrained sentence encoder as a featurizer (config.yml's LanguageModelFeaturizer). <paramref name="Name"/> is how
/// the model was named (model_weights: a hub id or a folder), <paramref name="Folder"/> the Hugging Face folder it was
/// loaded from. Embeddings are scaled to unit length, whatever the encoder's own normalisation, so that the weight of
/// <see cref="DenseFeatures"/> alone sets the norm of the dense block. Thread-safe.
/// </summary>
public sealed record LanguageModel(string Name, string? Revision, string Folder, SentenceEncoder Encoder)
{
    /// <summary>Texts per encoder call when embedding many; sorted by length first, so a batch pads little.</summary>
    private const int Batch = 32;

    public int Dimension => Encoder.Dimension;

    public static LanguageModel Load(string name, string? revision, string folder) =>
        new(name, revision, Path.GetFullPath(folder), SentenceEncoder.Load(folder));

    /// <summary>Unit-length embeddings [N][D] of <paramref name="texts"/>.</summary>
    public float[][] EmbedAll(IReadOnlyList<string> texts, IProgress<string>? progress = null)
    {
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var result = new float[texts.Count][];
        int reported = 0;
        for (int start = 0; start < order.Length; start += Batch)
        {
            var chunk = order.AsSpan(start, Math.Min(Batch, order.Length - start)).ToArray();
            var vectors = Encoder.Embed([.. chunk.Select(i => texts[i])]);
            for (int j = 0; j < chunk.Length; j++)
                result[chunk[j]] = Normalized(vectors[j]);
            if (progress is not null && (start + chunk.Length) * 10 / order.Length > reported)
            {
                reported = (start + chunk.Length) * 10 / order.Length;
                progress.Report($"embedded {start + chunk.Length}/{order.Length} texts with {Name}");
            }
        }
        return result;
    }

    /// <summary>The unit-length embedding [D] of one text.</summary>
    public float[] Embed(string text) => Normalized(Encoder.Embed([text])[0]);

    private static float[] Normalized(float[] v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0)
            TensorPrimitives.Divide(v, norm, v);
        return v;
    }
}

/// <summary>
/// The dense block of Kefu's linear intent model: <see cref="Weight"/> × the language model's unit-length sentence
/// embedding, as D columns after the F sparse ones. A sparse row has norm √(1 + CharBlockWeight²) ≈ 1.7 (word block 1,
/// character block 1.4), so a weight near that gives both blocks a like say in the SVM's margin; the trainer picks the
/// weight on held-out folds of the training data (see <see cref="NluTrainer"/>).
/// </summary>
public sealed record DenseFeatures(LanguageModel Model, float Weight)
{
    public int Dimension => Model.Dimension;

    /// <summary>The weighted dense block [D] of one text.</summary>
    public float[] Features(string text)
    {
        var v = Model.Embed(text);
        TensorPrimitives.Multiply(v, Weight, v);
        return v;
    }
}
