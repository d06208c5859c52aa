using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.IO;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// Hugging Face's BertForSequenceClassification on Kefu.Numerics: token + position + token-type embeddings and
/// LayerNorm, post-LN encoder layers, pooler tanh(W h[CLS] + b), linear classifier. Legend: B sequences, T tokens,
/// C hidden, K classes. Dropout follows config.json while a graph trains; set <see cref="Graph.Training"/> false to turn it off.
/// </summary>
public sealed class BertClassifier
{
    private Graph? inference;

    /// <summary>A model with freshly initialised parameters (normal 0.02, LayerNorm ones, biases zero).</summary>
    public BertClassifier(BertConfig config, ulong seed = 1)
    {
        if (config.Labels.Count == 0)
            throw new ArgumentException("A BERT classifier needs at least one label (id2label in config.json).", nameof(config));
        Config = config;
        Parameters = new ParameterSet();
        Embeddings = new Embeddings(Parameters, "embeddings", config.VocabularySize, config.MaxPositions, config.Hidden,
            config.TokenTypes, config.HiddenDropout, config.LayerNormEps);
        Encoder = new TransformerEncoder(Parameters, "encoder", config.Encoder);
        Pooler = new Pooler(Parameters, "pooler", config.Hidden);
        Head = new ClassificationHead(Parameters, "classifier", config.Hidden, config.Labels.Count, config.ClassifierDropout);
        Parameters.Allocate(seed);
    }

    /// <summary>
    /// Reads config.json and model.safetensors (Hugging Face names) from <paramref name="folder"/>. With
    /// <paramref name="labels"/>, the classifier is new (for fine-tuning a pretrained encoder on these classes) and the
    /// checkpoint's own, if any, is ignored; without, the checkpoint must hold a classifier for config.json's id2label.
    /// </summary>
    public static BertClassifier Load(string folder, IReadOnlyList<string>? labels = null, ulong seed = 1)
    {
        var config = BertConfig.Load(Path.Combine(folder, "config.json"));
        if (labels is not null)
            config = config with { Labels = labels };
        var model = new BertClassifier(config, seed);
        using var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        BertWeights.Load(file, model, withHead: labels is null);
        return model;
    }

    public BertConfig Config { get; }
    public ParameterSet Parameters { get; }
    public Embeddings Embeddings { get; }
    public TransformerEncoder Encoder { get; }
    public Pooler Pooler { get; }
    public ClassificationHead Head { get; }
    public IReadOnlyList<string> Labels => Config.Labels;

    /// <summary>Logits [B, K]. The batch's arrays must stay unchanged until backward has run.</summary>
    public Tensor Forward(Graph g, BertBatch batch)
    {
        foreach (int id in batch.InputIds)
        {
            if ((uint)id >= (uint)Config.VocabularySize)
                throw new ArgumentException($"Token id {id} is outside the vocabulary of {Config.VocabularySize}.", nameof(batch));
        }
        var mask = g.NewTensor(new Shape(batch.Batch, batch.Time)); // [B, T] 1 token, 0 padding
        batch.AttentionMask.CopyTo(mask.Span);
        var x = Embeddings.Forward(g, batch.InputIds, default, batch.Batch, batch.Time); // [B*T, C]
        x = Encoder.Forward(g, x, mask, batch.Batch, batch.Time);                       // [B*T, C]
        return Head.Forward(g, Pooler.Forward(g, x, batch.Batch, batch.Time));         // [B, K]
    }

    /// <summary>Inference logits [B*K], row-major. Not thread-safe: one model instance per thread.</summary>
    public float[] Logits(BertBatch batch)
    {
        inference ??= new Graph(recordTape: false);
        inference.Reset();
        return Forward(inference, batch).ToArray();
    }
}
