using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>
/// One encoder block: multi-head self-attention and a GELU feed-forward network, each with dropout and a
/// residual connection, LayerNorm before (pre-LN) or after (post-LN, BERT) each. Legend: B sequences, T tokens, C hidden.
/// Parameters: "{name}.attention.qkv" [3C, C] (query, key, value stacked), "{name}.attention.output" [C, C],
/// "{name}.attention_norm", "{name}.ffn.up" [F, C], "{name}.ffn.down" [C, F], "{name}.ffn_norm".
/// </summary>
public sealed class TransformerBlock
{
    private readonly TransformerConfig config;

    public TransformerBlock(ParameterSet parameters, string name, TransformerConfig config)
    {
        config.Validate();
        this.config = config;
        int c = config.Hidden;
        Qkv = new Linear(parameters, name + ".attention.qkv", c, 3 * c);
        AttentionOutput = new Linear(parameters, name + ".attention.output", c, c);
        AttentionNorm = new LayerNorm(parameters, name + ".attention_norm", c, config.LayerNormEps);
        Up = new Linear(parameters, name + ".ffn.up", c, config.FeedForward);
        Down = new Linear(parameters, name + ".ffn.down", config.FeedForward, c);
        FeedForwardNorm = new LayerNorm(parameters, name + ".ffn_norm", c, config.LayerNormEps);
    }

    public Linear Qkv { get; }
    public Linear AttentionOutput { get; }
    public LayerNorm AttentionNorm { get; }
    public Linear Up { get; }
    public Linear Down { get; }
    public LayerNorm FeedForwardNorm { get; }

    // x [B*T, C], keyMask [B, T] or null -> [B*T, C]
    public Tensor Forward(Graph g, Tensor x, Tensor? keyMask, int batch, int time)
    {
        if (config.PreLayerNorm)
        {
            x = g.Add(x, Attention(g, AttentionNorm.Forward(g, x), keyMask, batch, time));
            return g.Add(x, FeedForward(g, FeedForwardNorm.Forward(g, x)));
        }
        x = AttentionNorm.Forward(g, g.Add(x, Attention(g, x, keyMask, batch, time)));
        return FeedForwardNorm.Forward(g, g.Add(x, FeedForward(g, x)));
    }

    private Tensor Attention(Graph g, Tensor x, Tensor? keyMask, int batch, int time)
    {
        var qkv = Qkv.Forward(g, x);                                                                  // [B*T, 3C]
        var heads = g.SelfAttention(qkv, keyMask, batch, time, config.Heads, config.AttentionDropout); // [B*T, C]
        return g.Dropout(AttentionOutput.Forward(g, heads), config.Dropout);
    }

    private Tensor FeedForward(Graph g, Tensor x)
    {
        var hidden = g.Gelu(Up.Forward(g, x), config.Gelu); // [B*T, F]
        return g.Dropout(Down.Forward(g, hidden), config.Dropout);
    }
}

/// <summary>A stack of blocks "{name}.layers.{i}"; pre-LN stacks end with a final LayerNorm "{name}.final_norm".</summary>
public sealed class TransformerEncoder
{
    private readonly TransformerBlock[] blocks;

    public TransformerEncoder(ParameterSet parameters, string name, TransformerConfig config)
    {
        config.Validate();
        Config = config;
        blocks = Enumerable.Range(0, config.Layers).Select(i => new TransformerBlock(parameters, $"{name}.layers.{i}", config)).ToArray();
        FinalNorm = config.PreLayerNorm ? new LayerNorm(parameters, name + ".final_norm", config.Hidden, config.LayerNormEps) : null;
    }

    public TransformerConfig Config { get; }
    public IReadOnlyList<TransformerBlock> Blocks => blocks;
    public LayerNorm? FinalNorm { get; }

    // x [B*T, C], keyMask [B, T] or null -> [B*T, C]
    public Tensor Forward(Graph g, Tensor x, Tensor? keyMask, int batch, int time)
    {
        foreach (var block in blocks)
            x = block.Forward(g, x, keyMask, batch, time);
        return FinalNorm is null ? x : FinalNorm.Forward(g, x);
    }
}
