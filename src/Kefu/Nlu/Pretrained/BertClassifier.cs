using System.Runtime.CompilerServices;
using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// A BERT-family encoder with Hugging Face's sequence-classification head (pooler, dropout, linear) for intents and,
/// when the model has entity tags, a token-classification head (dropout, linear) for them, optionally scored by a
/// linear-chain CRF: one shared encoder trained jointly. Legend: B sequences, T tokens, C hidden, K intents, L tags.
/// Dropout follows config.json while a graph trains; set <see cref="Graph.Training"/> false to turn it off.
/// </summary>
public sealed class BertClassifier
{
    // one inference graph per model and thread; the table lets a dropped model go
    [ThreadStatic] private static ConditionalWeakTable<BertClassifier, Graph>? inferenceGraphs;

    /// <summary>A model with freshly initialised parameters (normal 0.02, LayerNorm ones, biases zero).</summary>
    public BertClassifier(BertConfig config, EntityTagSet? tags = null, ulong seed = 1)
    {
        if (config.Labels.Count == 0)
            throw new ArgumentException("A BERT classifier needs at least one label (id2label in config.json).", nameof(config));
        Config = config;
        Tags = tags;
        Parameters = new ParameterSet();
        Embeddings = new Embeddings(Parameters, "embeddings", config.VocabularySize, config.MaxPositions, config.Hidden,
            config.TokenTypes, config.HiddenDropout, config.LayerNormEps, config.PositionOffset,
            paddingId: config.Architecture == EncoderArchitecture.Roberta ? config.PositionOffset - 1 : -1);
        Encoder = new TransformerEncoder(Parameters, "encoder", config.Encoder);
        Pooler = new Pooler(Parameters, "pooler", config.Hidden, relu: config.Architecture == EncoderArchitecture.DistilBert);
        Head = new ClassificationHead(Parameters, "classifier", config.Hidden, config.Labels.Count, config.ClassifierDropout);
        if (tags is not null)
        {
            TokenHead = new ClassificationHead(Parameters, "token_classifier", config.Hidden, tags.Count, config.ClassifierDropout);
            if (tags.Crf)
                Crf = new CrfLayer(Parameters, "crf", tags.Count);
        }
        Parameters.Allocate(seed);
    }

    /// <summary>
    /// Reads config.json and the safetensors weights (Hugging Face names) from <paramref name="folder"/>. With
    /// <paramref name="labels"/>, the heads are new (for fine-tuning a pretrained encoder on these intents and
    /// <paramref name="tags"/>) and the checkpoint's own, if any, are ignored; without, the checkpoint must hold the
    /// heads of config.json's id2label (and of <paramref name="tags"/> when given).
    /// </summary>
    public static BertClassifier Load(string folder, IReadOnlyList<string>? labels = null, EntityTagSet? tags = null, ulong seed = 1)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{folder}: no config.json; a Hugging Face model folder has config.json beside its weights.", configPath);
        var config = BertConfig.Load(configPath);
        if (labels is not null)
            config = config with { Labels = labels };
        else if (config.Labels.Count == 0)
            throw new InvalidDataException($"{configPath}: no id2label; this is a base model without a classification head: fine-tune it first (kefu model finetune).");
        var model = new BertClassifier(config, tags, seed);
        using var checkpoint = Checkpoint.Open(folder);
        BertWeights.Load(checkpoint, model, withHeads: labels is null);
        return model;
    }

    public BertConfig Config { get; }
    public ParameterSet Parameters { get; }
    public Embeddings Embeddings { get; }
    public TransformerEncoder Encoder { get; }
    public Pooler Pooler { get; }
    public ClassificationHead Head { get; }
    public IReadOnlyList<string> Labels => Config.Labels;
    /// <summary>Entity tags of the token head; null for an intent-only model.</summary>
    public EntityTagSet? Tags { get; }
    public ClassificationHead? TokenHead { get; }
    public CrfLayer? Crf { get; }
    /// <summary>What the intent head reads; with <see cref="IntentPooling.Mean"/> the pooler's weights are kept but unused.</summary>
    public IntentPooling Pooling { get; set; }

    /// <summary>Token states [B*T, C]. The batch's arrays must stay unchanged until backward has run.</summary>
    public Tensor Encode(Graph g, BertBatch batch, out Tensor mask)
    {
        foreach (int id in batch.InputIds)
        {
            if ((uint)id >= (uint)Config.VocabularySize)
                throw new ArgumentException($"Token id {id} is outside the vocabulary of {Config.VocabularySize}.", nameof(batch));
        }
        mask = g.NewTensor(new Shape(batch.Batch, batch.Time)); // [B, T] 1 token, 0 padding
        batch.AttentionMask.CopyTo(mask.Span);
        var x = Embeddings.Forward(g, batch.InputIds, default, batch.Batch, batch.Time); // [B*T, C]
        return Encoder.Forward(g, x, mask, batch.Batch, batch.Time);                    // [B*T, C]
    }

    /// <summary>Intent logits [B, K].</summary>
    public Tensor Forward(Graph g, BertBatch batch) => Forward(g, batch, out _);

    /// <summary>Intent logits [B, K]; <paramref name="tagLogits"/> [B*T, L] when the model has a token head.</summary>
    public Tensor Forward(Graph g, BertBatch batch, out Tensor? tagLogits)
    {
        var x = Encode(g, batch, out var mask);                                   // [B*T, C]
        tagLogits = TokenHead?.Forward(g, x);                                     // [B*T, L]
        var pooled = Pooling == IntentPooling.Mean
            ? g.MeanPool(x, mask, batch.Batch, batch.Time)
            : Pooler.Forward(g, x, batch.Batch, batch.Time);                      // [B, C]
        return Head.Forward(g, pooled);                                           // [B, K]
    }

    /// <summary>Inference logits [B*K], row-major.</summary>
    public float[] Logits(BertBatch batch) => Infer(batch).Intents;

    /// <summary>Inference: intent logits [B*K] and tag logits [B*T*L] (empty without a token head). Thread-safe: one graph per thread.</summary>
    public (float[] Intents, float[] Tags) Infer(BertBatch batch)
    {
        var g = (inferenceGraphs ??= []).GetValue(this, _ => new Graph(recordTape: false));
        g.Reset();
        var intents = Forward(g, batch, out var tags);
        return (intents.ToArray(), tags?.ToArray() ?? []);
    }
}
