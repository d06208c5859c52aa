using System.Text.Json;
using System.Text.Unicode;

namespace Kefu.Numerics.IO;

/// <summary>
/// The parsed JSON header: {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}.
/// Offsets are relative to the data buffer that follows the header. Format: https://github.com/huggingface/safetensors
/// </summary>
internal sealed record SafetensorsHeader(IReadOnlyList<SafetensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Parses and validates; every failure is an <see cref="InvalidDataException"/> naming the file (and tensor).</summary>
    public static SafetensorsHeader Parse(string file, byte[] json, long bufferLength)
    {
        // JsonDocument defers UTF-8 checks of strings until they are read, then throws InvalidOperationException.
        if (!Utf8.IsValid(json))
            throw Invalid(file, "header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Invalid(file, $"header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(file, $"header must be a JSON object, found {document.RootElement.ValueKind}");

            var tensors = new List<SafetensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Invalid(file, $"header lists \"{property.Name}\" twice");
                if (property.Name == MetadataKey)
                    ReadMetadata(file, property.Value, metadata);
                else
                    tensors.Add(ReadTensor(file, property.Name, property.Value, bufferLength));
            }

            tensors.Sort((a, b) => a.DataOffset != b.DataOffset
                ? a.DataOffset.CompareTo(b.DataOffset)
                : a.ByteLength.CompareTo(b.ByteLength));
            for (int i = 1; i < tensors.Count; i++)
            {
                var previous = tensors[i - 1];
                if (tensors[i].DataOffset < previous.DataOffset + previous.ByteLength)
                    throw Invalid(file, $"tensor \"{tensors[i].Name}\" overlaps tensor \"{previous.Name}\" in the data buffer");
            }
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    static void ReadMetadata(string file, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Invalid(file, $"\"{MetadataKey}\" must be an object of strings, found {element.ValueKind}");
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Invalid(file, $"\"{MetadataKey}\" entry \"{entry.Name}\" must be a string, found {entry.Value.ValueKind}");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Invalid(file, $"\"{MetadataKey}\" lists \"{entry.Name}\" twice");
        }
    }

    static SafetensorInfo ReadTensor(string file, string name, JsonElement element, long bufferLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Invalid(file, name, $"entry must be an object, found {element.ValueKind}");

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid(file, name, "\"dtype\" is missing or not a string");
        string dtype = dtypeElement.GetString()!;
        if (!SafetensorDTypes.TryGetBitSize(dtype, out int bits))
            throw Invalid(file, name, $"unknown dtype \"{dtype}\"");

        long[] shape = ReadIntegers(file, name, element, "shape");
        long[] offsets = ReadIntegers(file, name, element, "data_offsets");
        if (offsets.Length != 2)
            throw Invalid(file, name, $"\"data_offsets\" must be [begin, end], found {offsets.Length} numbers");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw Invalid(file, name, $"\"data_offsets\" [{begin}, {end}] ends before it begins");
        if (end > bufferLength)
            throw Invalid(file, name, $"\"data_offsets\" [{begin}, {end}] run past the data buffer of {bufferLength} bytes");

        long expectedBytes;
        try
        {
            long elements = 1;
            foreach (long dim in shape)
                elements = checked(elements * dim);
            long totalBits = checked(elements * bits);
            expectedBytes = totalBits % 8 == 0 ? totalBits / 8 : -1;
        }
        catch (OverflowException)
        {
            throw Invalid(file, name, $"shape [{string.Join(", ", shape)}] is too large");
        }
        if (expectedBytes != end - begin)
            throw Invalid(file, name,
                $"shape [{string.Join(", ", shape)}] of {dtype} needs {(expectedBytes < 0 ? "a whole number of" : expectedBytes.ToString())} bytes " +
                $"but \"data_offsets\" [{begin}, {end}] hold {end - begin}");

        return new SafetensorInfo(name, dtype, shape, end - begin) { DataOffset = begin };
    }

    static long[] ReadIntegers(string file, string name, JsonElement element, string key)
    {
        if (!element.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Invalid(file, name, $"\"{key}\" is missing or not an array");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
                throw Invalid(file, name, $"\"{key}\" must hold non-negative integers, found {item.GetRawText()}");
            values[i++] = value;
        }
        return values;
    }

    public static InvalidDataException Invalid(string file, string problem) =>
        new($"Safetensors file '{file}': {problem}.");

    static InvalidDataException Invalid(string file, string tensor, string problem) =>
        new($"Safetensors file '{file}', tensor \"{tensor}\": {problem}.");
}
