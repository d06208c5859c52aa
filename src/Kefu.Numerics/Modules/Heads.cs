using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>
/// BERT's pooler: tanh(W · h[CLS] + b), "{name}.dense"; with <c>relu</c>, DistilBERT's pre_classifier ReLU(W · h[CLS] + b).
/// Legend: B sequences, T tokens, C hidden.
/// </summary>
public sealed class Pooler
{
    public Pooler(ParameterSet parameters, string name, int hidden, bool relu = false)
    {
        Dense = new Linear(parameters, name + ".dense", hidden, hidden);
        Relu = relu;
    }

    public Linear Dense { get; }
    public bool Relu { get; }

    // x [B*T, C] -> [B, C]
    public Tensor Forward(Graph g, Tensor x, int batch, int time)
    {
        var y = Dense.Forward(g, g.TakeToken(x, batch, time, 0));
        return Relu ? g.Relu(y) : g.Tanh(y);
    }
}

/// <summary>Dropout then a linear layer to class logits, "{name}" [K, C].</summary>
public sealed class ClassificationHead
{
    private readonly float dropout;

    public ClassificationHead(ParameterSet parameters, string name, int hidden, int classes, float dropout = 0.1f)
    {
        Output = new Linear(parameters, name, hidden, classes);
        this.dropout = dropout;
    }

    public Linear Output { get; }

    // pooled [B, C] -> logits [B, K]
    public Tensor Forward(Graph g, Tensor pooled) => Output.Forward(g, g.Dropout(pooled, dropout));
}

/// <summary>
/// Linear-chain CRF scores over L tags: "{name}.transitions" [L, L] (from row tag to column tag), "{name}.start" [L],
/// "{name}.end" [L], zero at first, not decayed. See <see cref="LinearChainCrf"/> and <see cref="CrfLossOp"/>.
/// </summary>
public sealed class CrfLayer
{
    public CrfLayer(ParameterSet parameters, string name, int tags)
    {
        Transitions = parameters.Add(name + ".transitions", new Shape(tags, tags), ParameterInit.Zeros, parameters.NoDecay);
        Start = parameters.Add(name + ".start", new Shape(tags), ParameterInit.Zeros, parameters.NoDecay);
        End = parameters.Add(name + ".end", new Shape(tags), ParameterInit.Zeros, parameters.NoDecay);
    }

    public Parameter Transitions { get; }
    public Parameter Start { get; }
    public Parameter End { get; }

    /// <summary>Mean negative log-likelihood [1] of the gold tags at the picked rows of <paramref name="emissions"/> [N, L].</summary>
    public Tensor Loss(Graph g, Tensor emissions, ReadOnlyMemory<int> rows, ReadOnlyMemory<int> tags, ReadOnlyMemory<int> lengths) =>
        g.CrfLoss(emissions, Transitions, Start, End, rows, tags, lengths);

    /// <summary>The best tag path [T] over one sequence's emissions [T, L].</summary>
    public void Decode(ReadOnlySpan<float> emissions, int length, Span<int> path) =>   // read through Tensor: Parameter.Span marks a change
        LinearChainCrf.Viterbi(emissions, ((Tensor)Transitions).Span, ((Tensor)Start).Span, ((Tensor)End).Span, length, Start.Length, path);
}
