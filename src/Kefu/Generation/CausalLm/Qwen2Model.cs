using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// Qwen2 (transformers models/qwen2/modeling_qwen2.py, Qwen2ForCausalLM): x = embed_tokens[ids]; per layer
/// x += o_proj(attn(rotary(qkv(rms_1(x))))), x += down(silu(gate(rms_2(x))) ⊙ up(rms_2(x))); final RMSNorm; lm_head
/// (or embed_tokens when tied). q/k/v projections (with biases) are one Linear, gate and up another.
/// Parameters "embed_tokens" [V, C], "layers.{i}.input_norm" [C], "layers.{i}.attn.qkv" [(H + 2G)·D, C],
/// "layers.{i}.attn.o_proj" [C, H·D], "layers.{i}.post_norm" [C], "layers.{i}.mlp.gate_up" [2F, C] (gate rows first),
/// "layers.{i}.mlp.down" [C, F], "norm" [C], "lm_head" [V, C] when untied.
/// Legend: B sequences, T tokens, C hidden, H query heads, G key/value heads, D head size, F MLP width, V vocabulary.
/// </summary>
public sealed class Qwen2Model : CausalLanguageModel
{
    private readonly Parameter? lmHead;

    internal Qwen2Model(CausalLmConfig config) : base(config, new ParameterSet())
    {
        int c = config.Hidden;
        var p = Parameters;
        TokenEmbedding = p.Add("embed_tokens", new Shape(config.VocabularySize, c), ParameterInit.Normal(0.02f), p.Decay);
        Layers = [.. Enumerable.Range(0, config.Layers).Select(i => new Layer(p, $"layers.{i}", config))];
        FinalNorm = p.Add("norm", new Shape(c), ParameterInit.Ones, p.NoDecay);
        lmHead = config.TieWordEmbeddings ? null : p.Add("lm_head", new Shape(config.VocabularySize, c), ParameterInit.Normal(0.02f), p.Decay);
    }

    public Parameter TokenEmbedding { get; }
    public IReadOnlyList<Layer> Layers { get; }
    public Parameter FinalNorm { get; }
    public override Parameter HeadWeight => lmHead ?? TokenEmbedding;

    public override Tensor Hidden(Graph g, ReadOnlyMemory<int> ids, Tensor? keyMask, int batch, int time)
    {
        CheckContext(time);
        var (cos, sin) = Angles(g, FullPositions(batch, time));
        var x = g.Dropout(g.Embedding(TokenEmbedding, ids), Dropout);                           // [B*T, C]
        foreach (var layer in Layers)
        {
            var qkv = QueryKeyValue(g, layer, x, cos, sin);                                      // [B*T, (H + 2G)·D]
            var heads = g.CausalAttention(qkv, keyMask, batch, time, Config.Heads, Config.KvHeads, Config.HeadDim); // [B*T, H·D]
            x = Residual(g, layer, x, heads);
        }
        return g.RmsNorm(x, FinalNorm, Config.NormEps);
    }

    public override Tensor HiddenCached(Graph g, ReadOnlyMemory<int> ids, KvCache cache, ReadOnlySpan<int> slots, int time)
    {
        var positions = CachedPositions(cache, slots, time);
        CheckContext(positions.Length == 0 ? 0 : positions.Max() + 1);
        var (cos, sin) = Angles(g, positions);
        var x = g.Embedding(TokenEmbedding, ids);
        for (int l = 0; l < Layers.Count; l++)
        {
            var qkv = QueryKeyValue(g, Layers[l], x, cos, sin);
            var heads = g.CausalAttentionCached(qkv, cache, l, slots, time, Config.Heads);
            x = Residual(g, Layers[l], x, heads);
        }
        return g.RmsNorm(x, FinalNorm, Config.NormEps);
    }

    // cos, sin [N, D/2] of each row's position, shared by every layer
    private (Tensor Cos, Tensor Sin) Angles(Graph g, int[] positions)
    {
        var cos = g.NewTensor(new Shape(positions.Length, Config.HeadDim / 2));
        var sin = g.NewTensor(cos.Shape);
        RotaryOp.Angles(positions, Config.HeadDim, Config.RopeTheta, cos.Span, sin.Span);
        return (cos, sin);
    }

    // queries and keys turned by their positions, values as projected
    private Tensor QueryKeyValue(Graph g, Layer layer, Tensor x, Tensor cos, Tensor sin) =>
        g.Rotary(Project(g, layer.Qkv, g.RmsNorm(x, layer.InputNorm, Config.NormEps)), cos, sin, Config.HeadDim, Config.Heads + Config.KvHeads);

    private Tensor Residual(Graph g, Layer layer, Tensor x, Tensor heads)
    {
        x = g.Add(x, g.Dropout(Project(g, layer.AttentionOutput, heads), Dropout));
        var gateUp = Project(g, layer.GateUp, g.RmsNorm(x, layer.PostNorm, Config.NormEps)); // [N, 2F]
        return g.Add(x, g.Dropout(Project(g, layer.Down, g.SwiGlu(gateUp)), Dropout));
    }

    public sealed class Layer
    {
        internal Layer(ParameterSet p, string name, CausalLmConfig config)
        {
            int c = config.Hidden, d = config.HeadDim;
            InputNorm = p.Add(name + ".input_norm", new Shape(c), ParameterInit.Ones, p.NoDecay);
            Qkv = new Linear(p, name + ".attn.qkv", c, (config.Heads + 2 * config.KvHeads) * d);
            AttentionOutput = new Linear(p, name + ".attn.o_proj", config.Heads * d, c, bias: false);
            PostNorm = p.Add(name + ".post_norm", new Shape(c), ParameterInit.Ones, p.NoDecay);
            GateUp = new Linear(p, name + ".mlp.gate_up", c, 2 * config.Intermediate, bias: false);
            Down = new Linear(p, name + ".mlp.down", config.Intermediate, c, bias: false);
        }

        public Parameter InputNorm { get; }
        public Linear Qkv { get; }
        public Linear AttentionOutput { get; }
        public Parameter PostNorm { get; }
        public Linear GateUp { get; }
        public Linear Down { get; }
    }
}
