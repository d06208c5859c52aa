using Kefu.Numerics.Ops;

namespace Kefu.Numerics.Modules;

/// <summary>Shape and regularisation of a transformer encoder.</summary>
/// <param name="PreLayerNorm">True: x + f(LN(x)) (GPT-2, DIET); false: LN(x + f(x)) (BERT, the original transformer).</param>
public sealed record TransformerConfig(
    int Hidden,
    int Layers,
    int Heads,
    int FeedForward,
    float Dropout = 0.1f,
    float AttentionDropout = 0.1f,
    bool PreLayerNorm = false,
    GeluKind Gelu = GeluKind.Exact,
    float LayerNormEps = 1e-5f)
{
    public void Validate()
    {
        if (Hidden <= 0 || Layers < 0 || Heads <= 0 || FeedForward <= 0 || Hidden % Heads != 0)
            throw new ArgumentException($"Transformer config: hidden {Hidden} must be positive and divisible by heads {Heads}; layers {Layers} ≥ 0; feed-forward {FeedForward} > 0.");
        if (Dropout is < 0f or >= 1f || AttentionDropout is < 0f or >= 1f)
            throw new ArgumentException($"Transformer config: dropout {Dropout} and attention dropout {AttentionDropout} must be in [0, 1).");
    }
}
