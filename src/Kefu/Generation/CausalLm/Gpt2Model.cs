using Kefu.Numerics;
using Kefu.Numerics.Autograd;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// GPT-2 (transformers models/gpt2/modeling_gpt2.py, GPT2LMHeadModel): x = wte[ids] + wpe[positions]; per block
/// x += c_proj(attn(ln_1(x))), x += mlp(ln_2(x)) with mlp = c_proj(gelu_new(c_fc(x))); ln_f; logits = x · wteᵀ (tied).
/// Parameters "wte" [V, C], "wpe" [P, C], "h.{i}.ln_1", "h.{i}.attn.qkv" [3C, C], "h.{i}.attn.proj" [C, C], "h.{i}.ln_2",
/// "h.{i}.mlp.fc" [F, C], "h.{i}.mlp.proj" [C, F], "ln_f"; Linear weights [out, in] (Hugging Face's Conv1D stores [in, out]).
/// Legend: B sequences, T tokens, C hidden, F MLP width, V vocabulary, P positions.
/// </summary>
public sealed class Gpt2Model : CausalLanguageModel
{
    internal Gpt2Model(CausalLmConfig config) : base(config, new ParameterSet())
    {
        int c = config.Hidden;
        var p = Parameters;
        TokenEmbedding = p.Add("wte", new Shape(config.VocabularySize, c), ParameterInit.Normal(0.02f), p.Decay);
        PositionEmbedding = p.Add("wpe", new Shape(config.MaxPositions, c), ParameterInit.Normal(0.01f), p.Decay);
        Blocks = [.. Enumerable.Range(0, config.Layers).Select(i => new Block(p, $"h.{i}", config))];
        FinalNorm = new LayerNorm(p, "ln_f", c, config.NormEps);
    }

    public Parameter TokenEmbedding { get; }
    public Parameter PositionEmbedding { get; }
    public IReadOnlyList<Block> Blocks { get; }
    public LayerNorm FinalNorm { get; }
    public override Parameter HeadWeight => TokenEmbedding;

    public override Tensor Hidden(Graph g, ReadOnlyMemory<int> ids, Tensor? keyMask, int batch, int time)
    {
        CheckContext(time);
        var x = g.Dropout(Embed(g, ids, FullPositions(batch, time)), Dropout);              // [B*T, C]
        foreach (var block in Blocks)
        {
            var qkv = Project(g, block.Qkv, block.Norm1.Forward(g, x));                       // [B*T, 3C]
            var heads = g.CausalAttention(qkv, keyMask, batch, time, Config.Heads, Config.Heads, Config.HeadDim);
            x = Residual(g, block, x, heads);
        }
        return FinalNorm.Forward(g, x);
    }

    public override Tensor HiddenCached(Graph g, ReadOnlyMemory<int> ids, KvCache cache, ReadOnlySpan<int> slots, int time)
    {
        var positions = CachedPositions(cache, slots, time);
        CheckContext(positions.Length == 0 ? 0 : positions.Max() + 1);
        var x = Embed(g, ids, positions);
        for (int l = 0; l < Blocks.Count; l++)
        {
            var block = Blocks[l];
            var qkv = Project(g, block.Qkv, block.Norm1.Forward(g, x));
            var heads = g.CausalAttentionCached(qkv, cache, l, slots, time, Config.Heads);
            x = Residual(g, block, x, heads);
        }
        return FinalNorm.Forward(g, x);
    }

    // [N, C]: wte[ids] + wpe[positions]
    private Tensor Embed(Graph g, ReadOnlyMemory<int> ids, int[] positions) =>
        g.Add(g.Embedding(TokenEmbedding, ids), g.Embedding(PositionEmbedding, positions));

    private Tensor Residual(Graph g, Block block, Tensor x, Tensor heads)
    {
        x = g.Add(x, g.Dropout(Project(g, block.AttentionOutput, heads), Dropout));
        var hidden = g.Gelu(Project(g, block.Up, block.Norm2.Forward(g, x)), GeluKind.Tanh); // [N, F]
        return g.Add(x, g.Dropout(Project(g, block.Down, hidden), Dropout));
    }

    public sealed class Block
    {
        internal Block(ParameterSet p, string name, CausalLmConfig config)
        {
            int c = config.Hidden;
            Norm1 = new LayerNorm(p, name + ".ln_1", c, config.NormEps);
            Qkv = new Linear(p, name + ".attn.qkv", c, 3 * c);
            AttentionOutput = new Linear(p, name + ".attn.proj", c, c);
            Norm2 = new LayerNorm(p, name + ".ln_2", c, config.NormEps);
            Up = new Linear(p, name + ".mlp.fc", c, config.Intermediate);
            Down = new Linear(p, name + ".mlp.proj", config.Intermediate, c);
        }

        public LayerNorm Norm1 { get; }
        public Linear Qkv { get; }
        public Linear AttentionOutput { get; }
        public LayerNorm Norm2 { get; }
        public Linear Up { get; }
        public Linear Down { get; }
    }
}
