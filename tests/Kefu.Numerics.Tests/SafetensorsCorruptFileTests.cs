using Kefu.Numerics.IO;

namespace Kefu.Numerics.Tests;

/// <summary>Each malformed file must be refused on open with a message naming the file and, where one applies, the tensor.</summary>
public sealed class SafetensorsCorruptFileTests : IDisposable
{
    readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    static readonly byte[] EightBytes = new byte[8];

    InvalidDataException OpenFails(string path)
    {
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void File_shorter_than_the_length_field()
    {
        string path = _files.PathOf("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("too short", OpenFails(path).Message);
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file()
    {
        string path = _files.WriteRaw("long-header.safetensors", "{}", [], declaredHeaderLength: 1000);
        Assert.Contains("header length 1000 runs past the end", OpenFails(path).Message);
    }

    [Fact]
    public void Header_length_above_the_limit()
    {
        string path = _files.WriteRaw("huge-header.safetensors", "{}", [], declaredHeaderLength: ulong.MaxValue);
        Assert.Contains("exceeds", OpenFails(path).Message);
    }

    [Fact]
    public void Data_truncated_after_a_valid_header()
    {
        string path = _files.WriteRaw("truncated.safetensors",
            """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[10]);
        var message = OpenFails(path).Message;
        Assert.Contains("\"w\"", message);
        Assert.Contains("past the data buffer of 10 bytes", message);
    }

    [Fact]
    public void Offsets_inconsistent_with_the_shape()
    {
        string path = _files.WriteRaw("size.safetensors",
            """{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,8]}}""", EightBytes);
        var message = OpenFails(path).Message;
        Assert.Contains("\"w\"", message);
        Assert.Contains("needs 12 bytes", message);
    }

    [Fact]
    public void Offsets_that_end_before_they_begin()
    {
        string path = _files.WriteRaw("backwards.safetensors",
            """{"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}""", EightBytes);
        Assert.Contains("ends before it begins", OpenFails(path).Message);
    }

    [Fact]
    public void Overlapping_tensors()
    {
        string path = _files.WriteRaw("overlap.safetensors",
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", EightBytes);
        var message = OpenFails(path).Message;
        Assert.Contains("\"b\" overlaps tensor \"a\"", message);
    }

    [Fact]
    public void Unknown_dtype()
    {
        string path = _files.WriteRaw("dtype.safetensors",
            """{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}""", EightBytes);
        var message = OpenFails(path).Message;
        Assert.Contains("\"w\"", message);
        Assert.Contains("unknown dtype \"Q7\"", message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]""", "not valid JSON")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "\"w\" twice")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative integers")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "non-negative integers")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", "\"shape\" is missing")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "[begin, end]")]
    [InlineData("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", "\"dtype\" is missing")]
    [InlineData("""{"__metadata__":{"epochs":3}}""", "must be a string")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", "too large")]
    public void Malformed_header(string header, string expected)
    {
        string path = _files.WriteRaw("bad.safetensors", header, EightBytes);
        Assert.Contains(expected, OpenFails(path).Message);
    }

    [Fact]
    public void Header_that_is_not_utf8()
    {
        string path = _files.PathOf("latin1.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xE9, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        File.WriteAllBytes(path, [(byte)header.Length, 0, 0, 0, 0, 0, 0, 0, .. header]);
        Assert.Contains("not valid UTF-8", OpenFails(path).Message);
    }

    [Fact]
    public void Non_float_dtypes_are_listed_but_not_read_as_float32()
    {
        string path = _files.WriteRaw("ids.safetensors",
            """{"position_ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", EightBytes);
        using var file = SafetensorsFile.Open(path);

        Assert.Equal("I64", Assert.Single(file.Tensors).DType);
        var error = Assert.Throws<NotSupportedException>(() => file.ReadFloat32("position_ids"));
        Assert.Contains("\"position_ids\"", error.Message);
        Assert.Contains("I64", error.Message);
    }

    [Fact]
    public void Unknown_tensor_names_and_wrong_destination_lengths_are_reported()
    {
        string path = _files.PathOf("ok.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("w", [2], new float[] { 1, 2 })]);
        using var file = SafetensorsFile.Open(path);

        Assert.Contains("no tensor \"v\"", Assert.Throws<KeyNotFoundException>(() => file.ReadFloat32("v")).Message);
        Assert.Contains("2 elements", Assert.Throws<ArgumentException>(() => file.ReadFloat32("w", new float[3])).Message);
    }
}
