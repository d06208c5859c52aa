using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Kefu.Numerics.IO;

namespace Kefu.Numerics.Tests;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(SafetensorDType.F32)]
    [InlineData(SafetensorDType.F16)]
    [InlineData(SafetensorDType.BF16)]
    public void Exactly_representable_values_round_trip(SafetensorDType dtype)
    {
        // Small integers and powers of two are exact in all three formats.
        float[] weight = [1, -2, 0.5f, 0, -0.25f, 3, 96, -1024];
        float[] bias = [0.125f, -7];
        string path = _files.PathOf("model.safetensors");

        SafetensorsWriter.Write(path,
        [
            new NamedTensor("layer.weight", [2, 4], weight),
            new NamedTensor("layer.bias", [2], bias),
        ], dtype: dtype);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["layer.bias", "layer.weight"], file.Tensors.Select(t => t.Name));
        var info = file.Tensors[1];
        Assert.Equal(dtype.ToString(), info.DType);
        Assert.Equal([2L, 4L], info.Shape);
        Assert.Equal(8 * (dtype == SafetensorDType.F32 ? 4 : 2), info.ByteLength);
        Assert.Equal(weight, file.ReadFloat32("layer.weight"));
        var destination = new float[2];
        file.ReadFloat32("layer.bias", destination);
        Assert.Equal(bias, destination);
    }

    [Fact]
    public void Layout_matches_the_format_byte_for_byte()
    {
        string path = _files.PathOf("tiny.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("b", [2], new float[] { 1, -2 }), new NamedTensor("a", [], new float[] { 0.5f })]);

        byte[] bytes = File.ReadAllBytes(path);
        string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json.PadRight(padded, ' '), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(8 + padded + 12, bytes.Length);
        Assert.Equal(0x3F000000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 + padded)));
        Assert.Equal(0x3F800000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 + padded + 4)));
        Assert.Equal(0xC0000000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 + padded + 8)));
    }

    // Float32 bit patterns and the BF16 each must become under round to nearest, ties to even.
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below half an ulp: down
    [InlineData(0x3F808000u, (ushort)0x3F80)] // exact tie, 0x3F80 is even: down
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above the tie: up
    [InlineData(0x3F818000u, (ushort)0x3F82)] // exact tie, 0x3F81 is odd: up to even
    [InlineData(0xBF818000u, (ushort)0xBF82)] // same with the sign set
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +infinity
    [InlineData(0xFF800000u, (ushort)0xFF80)] // -infinity
    [InlineData(0x00000001u, (ushort)0x0000)] // smallest subnormal rounds to +0
    [InlineData(0x7FC00000u, (ushort)0x7FC0)] // quiet NaN
    public void BFloat16_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        string path = _files.PathOf("bf16.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("x", [1], new[] { BitConverter.UInt32BitsToSingle(floatBits) })], dtype: SafetensorDType.BF16);

        Assert.Equal(expected, BinaryPrimitives.ReadUInt16LittleEndian(SafetensorsTestFiles.DataBuffer(path)));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal((uint)expected << 16, BitConverter.SingleToUInt32Bits(file.ReadFloat32("x")[0]));
    }

    // Float32 values and the IEEE half each must become (round to nearest, ties to even).
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3C00)] // 1
    [InlineData(0x3F801000u, (ushort)0x3C00)] // 1 + 2^-11, a tie, 0x3C00 even: down
    [InlineData(0x3F801001u, (ushort)0x3C01)] // just above the tie: up
    [InlineData(0x3F803000u, (ushort)0x3C02)] // 1 + 3·2^-11, a tie, 0x3C01 odd: up to even
    [InlineData(0x3EAAAAABu, (ushort)0x3555)] // 1/3
    [InlineData(0x477FE000u, (ushort)0x7BFF)] // 65504, the largest half
    [InlineData(0x477FF000u, (ushort)0x7C00)] // 65520, the tie above it, overflows to +infinity
    [InlineData(0x33800000u, (ushort)0x0001)] // 2^-24, the smallest subnormal half
    [InlineData(0xC0000000u, (ushort)0xC000)] // -2
    public void Float16_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        string path = _files.PathOf("f16.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("x", [1], new[] { BitConverter.UInt32BitsToSingle(floatBits) })], dtype: SafetensorDType.F16);

        Assert.Equal(expected, BinaryPrimitives.ReadUInt16LittleEndian(SafetensorsTestFiles.DataBuffer(path)));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal((float)BitConverter.UInt16BitsToHalf(expected), file.ReadFloat32("x")[0]);
    }

    [Fact]
    public void Metadata_round_trips_including_non_ascii()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["语言"] = "中文 \"quoted\"", ["empty"] = "" };
        string path = _files.PathOf("meta.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("词.weight", [1, 1], new float[] { 2 })], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(e => e.Key), file.Metadata.OrderBy(e => e.Key));
        Assert.Equal([2f], file.ReadFloat32("词.weight"));
        Assert.StartsWith("{\"__metadata__\":", Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, 20));
    }

    [Fact]
    public void Missing_metadata_reads_as_empty()
    {
        string path = _files.PathOf("plain.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("x", [0], ReadOnlyMemory<float>.Empty)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
        Assert.Empty(file.ReadFloat32("x"));
    }

    [Fact]
    public void Stream_overload_writes_the_same_bytes_as_the_file_overload()
    {
        NamedTensor[] tensors = [new("w", [3], new float[] { 1, 2, 3 })];
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        string path = _files.PathOf("file.safetensors");
        SafetensorsWriter.Write(path, tensors, metadata, SafetensorDType.BF16);
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, tensors, metadata, SafetensorDType.BF16);

        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
    }

    [Fact]
    public void Stream_overload_writes_into_a_zip_entry_without_seeking()
    {
        string archive = _files.PathOf("model.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("weights.safetensors").Open())
            SafetensorsWriter.Write(entry, [new NamedTensor("w", [2], new float[] { 1.5f, -3 })], dtype: SafetensorDType.F16);

        string extracted = _files.PathOf("weights.safetensors");
        using (var zip = ZipFile.OpenRead(archive))
            zip.GetEntry("weights.safetensors")!.ExtractToFile(extracted);
        using var file = SafetensorsFile.Open(extracted);
        Assert.Equal([1.5f, -3], file.ReadFloat32("w"));
    }

    [Fact]
    public void Writing_replaces_an_existing_file_and_leaves_no_temporary_behind()
    {
        string path = _files.PathOf("model.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("old", [1], new float[] { 1 })]);
        SafetensorsWriter.Write(path, [new NamedTensor("new", [1], new float[] { 2 })]);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(_files.Folder).Select(Path.GetFileName));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["new"], file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void A_rejected_write_keeps_the_previous_file()
    {
        string path = _files.PathOf("model.safetensors");
        SafetensorsWriter.Write(path, [new NamedTensor("kept", [1], new float[] { 1 })]);

        var error = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(path, [new NamedTensor("bad", [2, 2], new float[] { 1, 2, 3 })]));

        Assert.Contains("\"bad\"", error.Message);
        Assert.Contains("[2, 2]", error.Message);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["kept"], file.Tensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("__metadata__")]
    public void Reserved_or_empty_names_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(new MemoryStream(), [new NamedTensor(name, [1], new float[] { 1 })]));
    }

    [Fact]
    public void Duplicate_names_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(new MemoryStream(),
            [new NamedTensor("x", [1], new float[] { 1 }), new NamedTensor("x", [1], new float[] { 2 })]));
        Assert.Contains("\"x\" is given twice", error.Message);
    }
}
