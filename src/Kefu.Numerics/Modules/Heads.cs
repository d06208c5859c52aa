using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>BERT's pooler: tanh(W · h[CLS] + b), "{name}.dense". Legend: B sequences, T tokens, C hidden.</summary>
public sealed class Pooler
{
    public Pooler(ParameterSet parameters, string name, int hidden) => Dense = new Linear(parameters, name + ".dense", hidden, hidden);

    public Linear Dense { get; }

    // x [B*T, C] -> [B, C]
    public Tensor Forward(Graph g, Tensor x, int batch, int time) => g.Tanh(Dense.Forward(g, g.TakeToken(x, batch, time, 0)));
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
