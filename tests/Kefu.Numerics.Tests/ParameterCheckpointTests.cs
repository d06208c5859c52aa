using Kefu.Numerics.IO;
using Kefu.Numerics.Modules;
using Kefu.Numerics.Optim;

namespace Kefu.Numerics.Tests;

/// <summary>A model's parameter set saved to safetensors by name and loaded into a fresh model.</summary>
public sealed class ParameterCheckpointTests : IDisposable
{
    private readonly SafetensorsTestFiles files = new();

    public void Dispose() => files.Dispose();

    private static ParameterSet NewModel(ulong seed)
    {
        var parameters = new ParameterSet();
        _ = new SequenceClassifier(parameters, vocabulary: 30, maxPositions: 8, classes: 4, new TransformerConfig(Hidden: 8, Layers: 1, Heads: 2, FeedForward: 16));
        parameters.Allocate(seed);
        return parameters;
    }

    [Fact]
    public void Saved_parameters_load_by_name_into_a_fresh_model()
    {
        var trained = NewModel(seed: 1);
        string path = files.PathOf("model.safetensors");
        SafetensorsWriter.Write(path, trained.ToNamedTensors());

        var fresh = NewModel(seed: 2);
        Assert.False(fresh.Values.SequenceEqual(trained.Values));
        using (var file = SafetensorsFile.Open(path))
            file.LoadInto(fresh.LoadTargets());
        Assert.True(fresh.Values.SequenceEqual(trained.Values));
        Assert.Equal(trained["encoder.layers.0.attention.qkv.weight"].ToArray(), fresh["encoder.layers.0.attention.qkv.weight"].ToArray());
    }

    [Fact]
    public void Memory_of_a_parameter_is_its_view_in_the_flat_buffer()
    {
        var parameters = NewModel(seed: 3);
        var bias = parameters["classifier.bias"];
        parameters.MemoryOf(bias).Span[1] = 5f;
        Assert.Equal(5f, bias.Span[1]);
        Assert.Throws<ArgumentException>(() => parameters.MemoryOf(NewModel(4)["classifier.bias"]));
    }
}
