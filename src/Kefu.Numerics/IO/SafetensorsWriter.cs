using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kefu.Numerics.IO;

/// <summary>
/// Writes float32 tensors as a safetensors file, stored as F32, F16 (IEEE round to nearest even) or BF16
/// (round to nearest even). Like the reference implementation, tensors are laid out sorted by name,
/// "__metadata__" comes first in the header and the header is padded with spaces to a multiple of 8 bytes,
/// so the data buffer stays 8-byte aligned.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Floats converted per write, bounding the scratch buffer.</summary>
    const int ChunkElements = 1 << 16;

    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over
    /// <paramref name="path"/>, so a crash leaves either the old file or the complete new one.
    /// </summary>
    public static void Write(string path, IEnumerable<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafetensorDType dtype = SafetensorDType.F32)
    {
        var sorted = Prepare(tensors, dtype);
        string fullPath = System.IO.Path.GetFullPath(path);
        string temporary = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                WritePrepared(stream, sorted, metadata, dtype);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes the whole file to <paramref name="stream"/> (a zip entry, a memory stream) without seeking.</summary>
    public static void Write(Stream stream, IEnumerable<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafetensorDType dtype = SafetensorDType.F32)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WritePrepared(stream, Prepare(tensors, dtype), metadata, dtype);
    }

    static List<NamedTensor> Prepare(IEnumerable<NamedTensor> tensors, SafetensorDType dtype)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!Enum.IsDefined(dtype))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Safetensors can be written as F32, F16 or BF16.");
        SafetensorDTypes.EnsureLittleEndian();

        var sorted = tensors.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 0; i < sorted.Count; i++)
        {
            var (name, shape, data) = sorted[i];
            if (string.IsNullOrEmpty(name) || name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"Tensor name \"{name}\" is not allowed in a safetensors file.", nameof(tensors));
            if (i > 0 && sorted[i - 1].Name == name)
                throw new ArgumentException($"Tensor \"{name}\" is given twice.", nameof(tensors));
            if (shape is null)
                throw new ArgumentException($"Tensor \"{name}\" has no shape.", nameof(tensors));
            long elements = 1;
            foreach (int dim in shape)
            {
                if (dim < 0)
                    throw new ArgumentException($"Tensor \"{name}\" has negative dimension in shape [{string.Join(", ", shape)}].", nameof(tensors));
                elements *= dim;
            }
            if (elements != data.Length)
                throw new ArgumentException(
                    $"Tensor \"{name}\" has shape [{string.Join(", ", shape)}] ({elements} elements) but {data.Length} values.", nameof(tensors));
        }
        return sorted;
    }

    static void WritePrepared(Stream stream, List<NamedTensor> sorted, IReadOnlyDictionary<string, string>? metadata, SafetensorDType dtype)
    {
        byte[] header = Header(sorted, metadata, dtype);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);

        int elementBytes = SafetensorDTypes.ByteSize(dtype);
        byte[] scratch = ArrayPool<byte>.Shared.Rent(ChunkElements * elementBytes);
        try
        {
            foreach (var tensor in sorted)
            {
                var data = tensor.Data.Span;
                for (int start = 0; start < data.Length; start += ChunkElements)
                {
                    int count = Math.Min(ChunkElements, data.Length - start);
                    var bytes = scratch.AsSpan(0, count * elementBytes);
                    FloatConversions.FromSingle(dtype, data.Slice(start, count), bytes);
                    stream.Write(bytes);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Compact UTF-8 JSON, metadata keys sorted so equal inputs give equal bytes, padded with spaces to 8n bytes.</summary>
    static byte[] Header(List<NamedTensor> sorted, IReadOnlyDictionary<string, string>? metadata, SafetensorDType dtype)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names (中文) as UTF-8, as serde_json writes them.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            string dtypeName = SafetensorDTypes.Name(dtype);
            long offset = 0;
            foreach (var tensor in sorted)
            {
                long end = offset + (long)tensor.Data.Length * SafetensorDTypes.ByteSize(dtype);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", dtypeName);
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }
}
