using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Kefu.Numerics.IO;
using Kefu.Text.WordPiece;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// The weights of a Hugging Face folder: model.safetensors, or shards listed by model.safetensors.index.json
/// ({"weight_map": {tensor: file}}), seen as one set of named tensors. F32, F16 and BF16 read as float32.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly SafetensorsFile[] files;
    private readonly Dictionary<string, SafetensorsFile> byTensor = new(StringComparer.Ordinal);

    private Checkpoint(string description, SafetensorsFile[] files)
    {
        Description = description;
        this.files = files;
        foreach (var file in files)
        {
            foreach (var info in file.Tensors)
            {
                if (!byTensor.TryAdd(info.Name, file))
                    throw new InvalidDataException($"{description}: tensor \"{info.Name}\" is in both {byTensor[info.Name].Path} and {file.Path}.");
            }
        }
    }

    /// <summary>model.safetensors, or the shards of model.safetensors.index.json, for error messages.</summary>
    public string Description { get; }

    public IEnumerable<SafetensorInfo> Tensors => files.SelectMany(f => f.Tensors);

    public static Checkpoint Open(string folder)
    {
        string single = Path.Combine(folder, SingleFile), index = Path.Combine(folder, IndexFile);
        if (File.Exists(single))
            return new Checkpoint(single, [SafetensorsFile.Open(single)]);
        if (File.Exists(index))
            return OpenShards(folder, index);
        string? other = new[] { "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.onnx" }.FirstOrDefault(f => File.Exists(Path.Combine(folder, f)));
        throw new FileNotFoundException(other is null
            ? $"{folder}: no {SingleFile} or {IndexFile}; Kefu reads weights in the safetensors format."
            : $"{folder}: has {other} but no {SingleFile}; Kefu reads safetensors only (convert it, e.g. with the hub's safetensors convert space or transformers' save_pretrained(safe_serialization=True)).");
    }

    private static Checkpoint OpenShards(string folder, string index)
    {
        var shards = HuggingFaceJson.ReadObject(index, root =>
        {
            if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{index}: no \"weight_map\" object of tensor name to shard file.");
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shard) || shard.Contains("..") || Path.IsPathRooted(shard))
                    throw new InvalidDataException($"{index}: \"{entry.Name}\" must map to a shard file name in the folder, got {entry.Value}.");
                names.Add(shard);
            }
            return names.ToArray();
        });
        var opened = new List<SafetensorsFile>();
        try
        {
            foreach (string shard in shards)
            {
                string path = Path.Combine(folder, shard);
                if (!File.Exists(path))
                    throw new FileNotFoundException($"{index} lists {shard}, which is not in {folder}.", path);
                opened.Add(SafetensorsFile.Open(path));
            }
            return new Checkpoint($"{index} ({shards.Length} shards)", [.. opened]);
        }
        catch
        {
            opened.ForEach(f => f.Dispose());
            throw;
        }
    }

    public bool TryGetTensor(string name, [NotNullWhen(true)] out SafetensorInfo? info)
    {
        info = null;
        return byTensor.TryGetValue(name, out var file) && file.TryGetTensor(name, out info);
    }

    public void ReadFloat32(string name, Span<float> destination) => byTensor[name].ReadFloat32(name, destination);

    public void Dispose()
    {
        foreach (var file in files)
            file.Dispose();
    }
}
