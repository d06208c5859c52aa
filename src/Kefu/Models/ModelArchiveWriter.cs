using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Kefu.Numerics.IO;

namespace Kefu.Models;

/// <summary>
/// Builds a model archive: components add their entries, <see cref="Complete"/> writes manifest.json
/// (with every entry's SHA-256) and moves the finished zip over the target path, so a failed or
/// interrupted save never leaves a half-written model behind.
/// </summary>
public sealed class ModelArchiveWriter : IDisposable
{
    readonly string path;
    readonly string temporary;
    readonly FileStream stream;
    readonly ZipArchive zip;
    readonly List<ComponentManifest> components = [];
    readonly SortedDictionary<string, string> checksums = new(StringComparer.Ordinal);
    bool completed;

    public ModelArchiveWriter(string path)
    {
        this.path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(this.path)!);
        temporary = $"{this.path}.{Guid.NewGuid():N}.tmp";
        stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite);
        zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
    }

    /// <summary>Registers a component; its entries must be named "<paramref name="name"/>/...".</summary>
    public void AddComponent<TConfig>(string name, string type, TConfig config, IReadOnlyList<string> entries)
    {
        if (components.Any(c => c.Name == name)) throw new ArgumentException($"component '{name}' added twice");
        foreach (var entry in entries)
            if (!entry.StartsWith(name + "/", StringComparison.Ordinal) || !checksums.ContainsKey(entry))
                throw new ArgumentException($"component '{name}': entry '{entry}' was not written under '{name}/'");
        var element = JsonSerializer.SerializeToElement(config, ModelManifest.Json);
        components.Add(new ComponentManifest(name, type, entries, element));
    }

    public void AddBytes(string entryName, ReadOnlySpan<byte> bytes)
    {
        if (entryName == ModelManifest.EntryName || checksums.ContainsKey(entryName))
            throw new ArgumentException($"entry '{entryName}' written twice");
        var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest);
        using (var s = entry.Open()) s.Write(bytes);
        checksums[entryName] = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public void AddTensors(string entryName, IEnumerable<NamedTensor> tensors)
    {
        using var buffer = new MemoryStream();
        SafetensorsWriter.Write(buffer, tensors);
        AddBytes(entryName, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public void Complete()
    {
        var manifest = new ModelManifest(ModelManifest.FormatName, ModelManifest.CurrentFormatVersion,
            ModelManifest.CurrentKefuVersion, DateTimeOffset.UtcNow, components, checksums);
        var entry = zip.CreateEntry(ModelManifest.EntryName, CompressionLevel.Fastest);
        using (var s = entry.Open()) JsonSerializer.Serialize(s, manifest, ModelManifest.Json);
        zip.Dispose();
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        File.Move(temporary, path, overwrite: true);
        completed = true;
    }

    public void Dispose()
    {
        if (completed) return;
        zip.Dispose();
        stream.Dispose();
        File.Delete(temporary);
    }
}
