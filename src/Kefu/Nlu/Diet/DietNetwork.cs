using Kefu.Numerics.Autograd;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;
using Kefu.Numerics;

namespace Kefu.Nlu.Diet;

/// <summary>How DIET turns the sentence vector into intent scores.</summary>
public enum IntentHead
{
    /// <summary>A linear layer to one logit per intent.</summary>
    Softmax,
    /// <summary>
    /// DIET's: the sentence and each intent are embedded in E dimensions and scored by their dot product. A multi-intent
    /// label "a+b" is embedded as the sum of its parts, so it shares what is learnt about "a" and "b".
    /// </summary>
    Similarity,
}

/// <summary>Shape of a <see cref="DietNetwork"/>, with Rasa's DIETClassifier option names in the comments.</summary>
public sealed record DietShape(
    int Columns,             // S + W sparse input columns (DietFeaturizer.ColumnCount)
    int Intents,             // K
    int IntentParts,         // P distinct parts of the "a+b" labels
    int Tags,                // L entity tags (0: no entity head)
    int MaxPositions,        // 1 + max tokens
    int Hidden = 128,        // transformer_size
    int Layers = 2,          // number_of_transformer_layers
    int Heads = 4,           // number_of_attention_heads
    int Embedding = 20,      // embedding_dimension (similarity head)
    IntentHead Head = IntentHead.Softmax,
    bool Crf = true,
    float Dropout = 0.2f,    // drop_rate
    float AttentionDropout = 0f); // drop_rate_attention

/// <summary>
/// DIET (Bunk et al., 2020, arXiv:2004.09936) on Kefu.Numerics: sparse features → dense input layer (+ learned
/// positions) → pre-LN transformer → the __CLS__ row scores intents, every token row scores entity tags (a CRF
/// decodes them). Legend: B messages, T rows per message (1 + tokens, padded), C hidden, K intents, L tags.
/// Parameters "input.weight" [S+W, C], "position" [T, C], "encoder.*", "intent.*", "tags.*", "crf.*".
/// </summary>
public sealed class DietNetwork
{
    public DietNetwork(DietShape shape, int[][] intentParts)
    {
        Shape = shape;
        int c = shape.Hidden;
        Input = InputParameters.Add("input.weight", new Shape(shape.Columns, c), ParameterInit.Normal(0.02f), InputParameters.Decay);
        Position = Parameters.Add("position", new Shape(shape.MaxPositions, c), ParameterInit.Normal(0.02f), Parameters.NoDecay);
        Encoder = new TransformerEncoder(Parameters, "encoder", new TransformerConfig(c, shape.Layers, shape.Heads, 4 * c,
            shape.Dropout, shape.AttentionDropout, PreLayerNorm: true));
        if (shape.Head == IntentHead.Softmax)
            IntentOutput = new Linear(Parameters, "intent.output", c, shape.Intents);
        else
        {
            SentenceEmbedding = new Linear(Parameters, "intent.sentence", c, shape.Embedding);
            PartEmbeddings = Parameters.Add("intent.parts", new Shape(shape.Embedding, shape.IntentParts), ParameterInit.Normal(0.02f), Parameters.Decay);
            partsOfIntent = new float[shape.Intents * shape.IntentParts];
            for (int k = 0; k < shape.Intents; k++)
                foreach (int p in intentParts[k]) partsOfIntent[k * shape.IntentParts + p] = 1f;
        }
        if (shape.Tags > 0)
        {
            TagOutput = new Linear(Parameters, "tags.output", c, shape.Tags);
            if (shape.Crf) Crf = new CrfLayer(Parameters, "crf", shape.Tags);
        }
    }

    readonly float[]? partsOfIntent; // [K, P] 1 where intent k has part p

    /// <summary>Everything but the input weight.</summary>
    public ParameterSet Parameters { get; } = new();
    /// <summary>The input weight alone: a batch touches few of its rows, so it is stepped row by row (<see cref="RowAdamW"/>).</summary>
    public ParameterSet InputParameters { get; } = new();
    public DietShape Shape { get; }

    public void Allocate(ulong seed)
    {
        Parameters.Allocate(seed);
        InputParameters.Allocate(seed + 1);
    }

    /// <summary>Every parameter of both sets, by name.</summary>
    public IEnumerable<Parameter> AllParameters => InputParameters.Parameters.Concat(Parameters.Parameters);
    public Parameter Input { get; }
    public Parameter Position { get; }
    public TransformerEncoder Encoder { get; }
    public Linear? IntentOutput { get; }
    public Linear? SentenceEmbedding { get; }
    public Parameter? PartEmbeddings { get; }
    public Linear? TagOutput { get; }
    public CrfLayer? Crf { get; }

    /// <param name="x">[B*T, S+W] the rows of B messages, each padded with empty rows to T.</param>
    /// <param name="positions">[B*T] t for every row.</param>
    /// <param name="keyMask">[B, T] 1 for rows that hold something, 0 for padding.</param>
    /// <returns>intent logits [B, K] and, with an entity head, tag logits [B*T, L] (row 0 of each message is the sentence).</returns>
    public (Tensor Intents, Tensor? Tags) Forward(Graph g, CsrMatrix x, ReadOnlyMemory<int> positions, Tensor keyMask, int batch, int time)
    {
        var h = g.Add(g.SparseEmbedding(x, Input), g.Embedding(Position, positions)); // [B*T, C]
        h = Encoder.Forward(g, g.Dropout(h, Shape.Dropout), keyMask, batch, time);      // [B*T, C]
        var sentence = g.TakeToken(h, batch, time);                                     // [B, C]
        Tensor intents;
        if (IntentOutput is not null)
            intents = IntentOutput.Forward(g, sentence);                                // [B, K]
        else
        {
            var parts = g.NewTensor(new Shape(Shape.Intents, Shape.IntentParts));      // constant [K, P]
            partsOfIntent.CopyTo(parts.Span);
            var labels = g.Linear(parts, PartEmbeddings!, null);                       // [K, E] = parts · partsᵀ-embedding
            intents = g.Linear(SentenceEmbedding!.Forward(g, sentence), labels, null);  // [B, K] = sentence [B, E] · labelsᵀ
        }
        return (intents, TagOutput?.Forward(g, h));
    }
}
