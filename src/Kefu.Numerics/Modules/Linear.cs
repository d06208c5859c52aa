using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>y = x Wᵀ + b with W [out, in] (PyTorch layout): "{name}.weight", "{name}.bias".</summary>
public sealed class Linear
{
    public Linear(ParameterSet parameters, string name, int inFeatures, int outFeatures, bool bias = true, float initStd = 0.02f)
    {
        Weight = parameters.Add(name + ".weight", new Shape(outFeatures, inFeatures), ParameterInit.Normal(initStd), parameters.Decay);
        Bias = bias ? parameters.Add(name + ".bias", new Shape(outFeatures), ParameterInit.Zeros, parameters.NoDecay) : null;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures => Weight.DeclaredShape[1];
    public int OutFeatures => Weight.DeclaredShape[0];

    // x [N, in] -> [N, out]
    public Tensor Forward(Graph g, Tensor x) => g.Linear(x, Weight, Bias);
}

/// <summary>Layer normalisation with gain "{name}.weight" (ones) and shift "{name}.bias" (zeros), both undecayed.</summary>
public sealed class LayerNorm
{
    public LayerNorm(ParameterSet parameters, string name, int channels, float eps = 1e-5f)
    {
        Gamma = parameters.Add(name + ".weight", new Shape(channels), ParameterInit.Ones, parameters.NoDecay);
        Beta = parameters.Add(name + ".bias", new Shape(channels), ParameterInit.Zeros, parameters.NoDecay);
        Eps = eps;
    }

    public Parameter Gamma { get; }
    public Parameter Beta { get; }
    public float Eps { get; }

    public Tensor Forward(Graph g, Tensor x) => g.LayerNorm(x, Gamma, Beta, Eps);
}
