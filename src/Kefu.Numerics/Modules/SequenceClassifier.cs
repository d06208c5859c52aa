using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>
/// Embeddings → transformer encoder → masked mean pooling → classification head: a small intent classifier and
/// the model of `kefu bench numerics`. Parameters "embeddings.*", "encoder.*", "classifier.*".
/// Legend: B sequences, T tokens, C hidden, K classes.
/// </summary>
public sealed class SequenceClassifier
{
    public SequenceClassifier(ParameterSet parameters, int vocabulary, int maxPositions, int classes, TransformerConfig config)
    {
        config.Validate();
        Config = config;
        Embeddings = new Embeddings(parameters, "embeddings", vocabulary, maxPositions, config.Hidden, 0, config.Dropout, config.LayerNormEps);
        Encoder = new TransformerEncoder(parameters, "encoder", config);
        Head = new ClassificationHead(parameters, "classifier", config.Hidden, classes, config.Dropout);
    }

    public TransformerConfig Config { get; }
    public Embeddings Embeddings { get; }
    public TransformerEncoder Encoder { get; }
    public ClassificationHead Head { get; }

    /// <param name="tokenIds">[B*T]</param>
    /// <param name="keyMask">[B, T] 1 for tokens, 0 for padding; null when nothing is padded.</param>
    /// <returns>logits [B, K]</returns>
    public Tensor Forward(Graph g, ReadOnlyMemory<int> tokenIds, Tensor? keyMask, int batch, int time)
    {
        var x = Embeddings.Forward(g, tokenIds, default, batch, time); // [B*T, C]
        x = Encoder.Forward(g, x, keyMask, batch, time);               // [B*T, C]
        return Head.Forward(g, g.MeanPool(x, keyMask, batch, time));   // [B, K]
    }
}
