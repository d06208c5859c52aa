using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace Kefu.Numerics.IO;

/// <summary>
/// A safetensors file opened read-only and memory-mapped: the header is parsed and validated on open,
/// tensor bytes are converted to float32 only when read, so a large file never sits whole in the managed heap.
/// Layout: u64 little-endian header length N | N bytes of JSON header | data buffer.
/// Reading is thread-safe; disposing while a read runs is not.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Elements converted per step, so no single span over the mapping exceeds int range.</summary>
    const int ChunkElements = 1 << 20;

    readonly MemoryMappedFile _mapping;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _data;
    readonly Dictionary<string, SafetensorInfo> _byName;
    bool _disposed;

    /// <summary>The file's path as given to <see cref="Open"/>; used in error messages.</summary>
    public string Path { get; }

    /// <summary>Tensors in data-buffer order.</summary>
    public IReadOnlyList<SafetensorInfo> Tensors { get; }

    /// <summary>The header's "__metadata__" map; empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* data, SafetensorsHeader header)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _data = data;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed or inconsistent.</exception>
    public static SafetensorsFile Open(string path)
    {
        SafetensorDTypes.EnsureLittleEndian();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
                throw SafetensorsHeader.Invalid(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw SafetensorsHeader.Invalid(path, $"header length {headerLength} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit");
            if ((long)headerLength > fileLength - 8)
                throw SafetensorsHeader.Invalid(path, $"header length {headerLength} runs past the end of the {fileLength}-byte file (truncated?)");

            var json = new byte[headerLength];
            stream.ReadExactly(json);
            long dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, fileLength - dataStart);

            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            return new SafetensorsFile(path, mapping, view, pointer + view.PointerOffset + dataStart, header);
        }
        catch
        {
            if (acquired)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, [NotNullWhen(true)] out SafetensorInfo? info) => _byName.TryGetValue(name, out info);

    /// <summary>Reads an F32, F16 or BF16 tensor into a new array, converting to float32.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Find(name);
        long count = info.ElementCount;
        if (count > Array.MaxLength)
            throw new NotSupportedException($"Safetensors file '{Path}', tensor \"{name}\": {count} elements do not fit in one array.");
        var result = new float[count];
        Read(info, result);
        return result;
    }

    /// <summary>Reads an F32, F16 or BF16 tensor into <paramref name="destination"/>, whose length must equal the element count.</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = Find(name);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException(
                $"Safetensors file '{Path}', tensor \"{name}\" has {info.ElementCount} elements but the destination holds {destination.Length}.",
                nameof(destination));
        Read(info, destination);
    }

    /// <summary>
    /// Loads named parameters with shape checks. Every problem (missing, unexpected unless allowed, shape or
    /// destination length mismatch, unreadable dtype) is gathered into one <see cref="InvalidDataException"/>
    /// before anything is written, so a failed load leaves every destination untouched.
    /// </summary>
    public void LoadInto(IEnumerable<(string Name, int[] Shape, Memory<float> Destination)> parameters, bool allowUnexpected = false)
    {
        var problems = new List<string>();
        var matched = new List<(SafetensorInfo Info, Memory<float> Destination)>();
        var requested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape, destination) in parameters)
        {
            if (!requested.Add(name))
            {
                problems.Add($"\"{name}\" is requested twice");
                continue;
            }
            if (!_byName.TryGetValue(name, out var info))
            {
                problems.Add($"missing \"{name}\" (expected shape [{string.Join(", ", shape)}])");
                continue;
            }
            long elements = 1;
            foreach (int dim in shape)
                elements *= dim;
            if (!info.Shape.SequenceEqual(shape.Select(d => (long)d)))
                problems.Add($"\"{name}\" has shape [{string.Join(", ", info.Shape)}] but the model expects [{string.Join(", ", shape)}]");
            else if (destination.Length != elements)
                problems.Add($"\"{name}\" destination holds {destination.Length} floats but shape [{string.Join(", ", shape)}] needs {elements}");
            else if (!TryParseReadable(info.DType, out _))
                problems.Add($"\"{name}\" has dtype {info.DType}, which cannot be read as float32");
            else
                matched.Add((info, destination));
        }
        if (!allowUnexpected)
        {
            foreach (var info in Tensors)
                if (!requested.Contains(info.Name))
                    problems.Add($"unexpected \"{info.Name}\" (shape [{string.Join(", ", info.Shape)}])");
        }
        if (problems.Count > 0)
        {
            var message = new StringBuilder($"Safetensors file '{Path}' does not match the parameters ({problems.Count} problems):");
            foreach (var problem in problems)
                message.Append("\n  ").Append(problem);
            throw new InvalidDataException(message.ToString());
        }
        foreach (var (info, destination) in matched)
            Read(info, destination.Span);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    SafetensorInfo Find(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _byName.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Safetensors file '{Path}' has no tensor \"{name}\".");
    }

    void Read(SafetensorInfo info, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!TryParseReadable(info.DType, out var dtype))
            throw new NotSupportedException(
                $"Safetensors file '{Path}', tensor \"{info.Name}\" has dtype {info.DType}; only F32, F16 and BF16 can be read as float32.");
        int elementBytes = SafetensorDTypes.ByteSize(dtype);
        byte* source = _data + info.DataOffset;
        for (int start = 0; start < destination.Length; start += ChunkElements)
        {
            int count = Math.Min(ChunkElements, destination.Length - start);
            var bytes = new ReadOnlySpan<byte>(source + (long)start * elementBytes, count * elementBytes);
            FloatConversions.ToSingle(dtype, bytes, destination.Slice(start, count));
        }
    }

    static bool TryParseReadable(string dtype, out SafetensorDType parsed)
    {
        switch (dtype)
        {
            case "F32": parsed = SafetensorDType.F32; return true;
            case "F16": parsed = SafetensorDType.F16; return true;
            case "BF16": parsed = SafetensorDType.BF16; return true;
            default: parsed = default; return false;
        }
    }
}
