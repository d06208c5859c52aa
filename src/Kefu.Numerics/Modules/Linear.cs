using Kefu.Numerics.Autograd;
using Kefu.Numerics.Ops;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Modules;

/// <summary>
/// y = x Wᵀ + b with W [out, in] (PyTorch layout): "{name}.weight", "{name}.bias".
/// A graph without a tape (inference) multiplies by W packed once for the GEMM (<see cref="Gemm.Pack"/>), repacked
/// when <see cref="ParameterSet.Version"/> moves; the result has the same bits as the training graph's forward.
/// </summary>
public sealed class Linear
{
    private readonly ParameterSet parameters;
    private PackedWeight? packed; // shared by inference graphs on several threads: replaced whole, never mutated

    private sealed record PackedWeight(PackedMatrix Matrix, long Version);

    public Linear(ParameterSet parameters, string name, int inFeatures, int outFeatures, bool bias = true, float initStd = 0.02f)
    {
        this.parameters = parameters;
        Weight = parameters.Add(name + ".weight", new Shape(outFeatures, inFeatures), ParameterInit.Normal(initStd), parameters.Decay);
        Bias = bias ? parameters.Add(name + ".bias", new Shape(outFeatures), ParameterInit.Zeros, parameters.NoDecay) : null;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures => Weight.DeclaredShape[1];
    public int OutFeatures => Weight.DeclaredShape[0];

    // x [N, in] -> [N, out]
    public Tensor Forward(Graph g, Tensor x) =>
        g.RecordsTape ? g.Linear(x, Weight, Bias) : g.Linear(x, PackedWeightMatrix(), Bias);

    /// <summary>Wᵀ [in, out] packed for <see cref="Gemm.Sgemm(bool, int, int, int, float, ReadOnlySpan{float}, int, PackedMatrix, float, Span{float}, int)"/>,
    /// as of the parameters' current version.</summary>
    public PackedMatrix PackedWeightMatrix()
    {
        var current = Volatile.Read(ref packed);
        long version = parameters.Version;
        if (current is null || current.Version != version)
        {
            // the version is read before the values: a change made while packing moves it again and repacks next time
            Tensor weight = Weight;
            current = new PackedWeight(Gemm.Pack(true, InFeatures, OutFeatures, weight.Span, InFeatures), version);
            Volatile.Write(ref packed, current);
        }
        return current.Matrix;
    }
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
