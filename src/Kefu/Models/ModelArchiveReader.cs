using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Kefu.Numerics.IO;

namespace Kefu.Models;

/// <summary>
/// Opens a model archive and checks it before anything is used: a readable zip, a manifest of a known
/// format and a version this Kefu reads, every listed entry present with its SHA-256, no unlisted entry.
/// </summary>
public sealed class ModelArchiveReader
{
    readonly Dictionary<string, byte[]> entries;

    public string Path { get; }
    public ModelManifest Manifest { get; }

    ModelArchiveReader(string path, ModelManifest manifest, Dictionary<string, byte[]> entries)
    {
        Path = path;
        Manifest = manifest;
        this.entries = entries;
    }

    public static ModelArchiveReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such model file (train one with `kefu train`)", path);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                using var buffer = new MemoryStream();
                s.CopyTo(buffer);
                entries[entry.FullName] = buffer.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new ModelArchiveException($"{path}: not a readable model archive (corrupt or truncated zip): {e.Message}", e);
        }

        if (!entries.TryGetValue(ModelManifest.EntryName, out var manifestBytes))
            throw new ModelArchiveException($"{path}: no {ModelManifest.EntryName}: not a Kefu model archive");
        ModelManifest manifest;
        try
        {
            using var doc = JsonDocument.Parse(manifestBytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != ModelManifest.FormatName)
                throw new ModelArchiveException($"{path}: {ModelManifest.EntryName} is not a '{ModelManifest.FormatName}' manifest");
            if (!root.TryGetProperty("format_version", out var version) || !version.TryGetInt32(out int v))
                throw new ModelArchiveException($"{path}: {ModelManifest.EntryName} has no integer format_version");
            if (v > ModelManifest.CurrentFormatVersion)
                throw new ModelArchiveException($"{path}: model format version {v} is newer than this Kefu reads (up to {ModelManifest.CurrentFormatVersion}); upgrade Kefu or retrain the model");
            if (v < 1)
                throw new ModelArchiveException($"{path}: unknown model format version {v}");
            manifest = root.Deserialize<ModelManifest>(ModelManifest.Json)
                ?? throw new ModelArchiveException($"{path}: empty {ModelManifest.EntryName}");
        }
        catch (JsonException e)
        {
            throw new ModelArchiveException($"{path}: {ModelManifest.EntryName} is not valid: {e.Message}", e);
        }

        foreach (var (name, expected) in manifest.Checksums)
        {
            if (!entries.TryGetValue(name, out var bytes))
                throw new ModelArchiveException($"{path}: entry '{name}' listed in the manifest is missing");
            string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new ModelArchiveException($"{path}: entry '{name}' fails its SHA-256 check (expected {expected}, found {actual}): the file is corrupt or was modified");
        }
        foreach (var name in entries.Keys)
            if (name != ModelManifest.EntryName && !manifest.Checksums.ContainsKey(name))
                throw new ModelArchiveException($"{path}: entry '{name}' is not listed in the manifest");
        return new ModelArchiveReader(path, manifest, entries);
    }

    /// <summary>The component named <paramref name="name"/>, checked to be of <paramref name="type"/>.</summary>
    public ComponentManifest Component(string name, string type)
    {
        var component = Manifest.Components.FirstOrDefault(c => c.Name == name)
            ?? throw new ModelArchiveException($"{Path}: the model has no '{name}' component");
        if (component.Type != type)
            throw new ModelArchiveException($"{Path}: component '{name}' is of type '{component.Type}', this Kefu reads '{type}'");
        return component;
    }

    public T Config<T>(ComponentManifest component) =>
        component.Config.Deserialize<T>(ModelManifest.Json)
        ?? throw new ModelArchiveException($"{Path}: component '{component.Name}' has an empty config");

    public ReadOnlySpan<byte> Bytes(string entryName) =>
        entries.TryGetValue(entryName, out var bytes)
            ? bytes
            : throw new ModelArchiveException($"{Path}: entry '{entryName}' is missing");

    /// <summary>Every tensor of a safetensors entry as float32 arrays, by name.</summary>
    public Dictionary<string, float[]> Tensors(string entryName)
    {
        // SafetensorsFile maps files, so the entry takes a short detour through a temporary file.
        string temporary = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kefu-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(temporary, entries.TryGetValue(entryName, out var bytes) ? bytes
                : throw new ModelArchiveException($"{Path}: entry '{entryName}' is missing"));
            using var file = SafetensorsFile.Open(temporary);
            return file.Tensors.ToDictionary(t => t.Name, t => file.ReadFloat32(t.Name));
        }
        catch (InvalidDataException e)
        {
            throw new ModelArchiveException($"{Path}: entry '{entryName}' is not valid safetensors: {e.Message}", e);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
