using Kefu.Numerics.IO;

namespace Kefu.Numerics.Tests;

public sealed class SafetensorsLoadIntoTests : IDisposable
{
    readonly SafetensorsTestFiles _files = new();
    readonly string _path;

    public SafetensorsLoadIntoTests()
    {
        _path = _files.PathOf("params.safetensors");
        SafetensorsWriter.Write(_path,
        [
            new NamedTensor("dense.weight", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }),
            new NamedTensor("dense.bias", [2], new float[] { 7, 8 }),
            new NamedTensor("head.weight", [1, 2], new float[] { 9, 10 }),
        ], dtype: SafetensorDType.BF16);
    }

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Loads_every_named_parameter_into_its_destination()
    {
        // One flat buffer with named views, as the layers keep their parameters.
        var flat = new float[10];
        using var file = SafetensorsFile.Open(_path);

        file.LoadInto(
        [
            ("dense.weight", [2, 3], flat.AsMemory(0, 6)),
            ("dense.bias", [2], flat.AsMemory(6, 2)),
            ("head.weight", [1, 2], flat.AsMemory(8, 2)),
        ]);

        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8, 9, 10], flat);
    }

    [Fact]
    public void Reports_every_mismatch_at_once_and_writes_nothing()
    {
        var weight = new float[6];
        var bias = new float[3];
        var extra = new float[1];
        using var file = SafetensorsFile.Open(_path);

        var error = Assert.Throws<InvalidDataException>(() => file.LoadInto(
        [
            ("dense.weight", [2, 3], weight),
            ("dense.bias", [3], bias),
            ("encoder.scale", [1], extra),
        ]));

        Assert.Contains(_path, error.Message);
        Assert.Contains("3 problems", error.Message);
        Assert.Contains("\"dense.bias\" has shape [2] but the model expects [3]", error.Message);
        Assert.Contains("missing \"encoder.scale\"", error.Message);
        Assert.Contains("unexpected \"head.weight\"", error.Message);
        Assert.All(weight, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void Unexpected_tensors_can_be_allowed()
    {
        var bias = new float[2];
        using var file = SafetensorsFile.Open(_path);

        file.LoadInto([("dense.bias", [2], bias)], allowUnexpected: true);

        Assert.Equal([7f, 8], bias);
    }

    [Fact]
    public void Destination_of_the_wrong_length_is_a_problem()
    {
        using var file = SafetensorsFile.Open(_path);

        var error = Assert.Throws<InvalidDataException>(() =>
            file.LoadInto([("dense.bias", [2], new float[5])], allowUnexpected: true));

        Assert.Contains("\"dense.bias\" destination holds 5 floats but shape [2] needs 2", error.Message);
    }
}
