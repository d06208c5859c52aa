using System.Buffers.Binary;
using System.Text;

namespace Kefu.Numerics.Tests;

/// <summary>A temporary folder for one test, deleted afterwards, with helpers to lay out safetensors bytes by hand.</summary>
sealed class SafetensorsTestFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("kefu-safetensors-").FullName;

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Writes u64 length | header | data; <paramref name="declaredHeaderLength"/> overrides the length field.</summary>
    public string WriteRaw(string name, string header, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The data buffer of a safetensors file: everything after the header.</summary>
    public static byte[] DataBuffer(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return bytes[(int)(8 + headerLength)..];
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
