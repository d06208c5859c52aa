using System.Security.Cryptography;
using System.Text;
using Kefu.Hub;

namespace Kefu.Models;

/// <summary>
/// A Hugging Face model folder kept in a model archive as entries "PREFIX/relative/path", so the archive loads offline
/// and without the folder it was trained from. Loading unpacks the entries once into a folder under the system's temp
/// folder named after their SHA-256s (the archive has checked every entry against the manifest first); later loads of
/// the same files reuse it.
/// </summary>
public static class ArchivedFolder
{
    private static readonly IReadOnlyList<GlobPattern> ModelFiles = [.. ModelLocator.DefaultInclude.Select(p => new GlobPattern(p))];

    /// <summary>
    /// The files of <paramref name="folder"/> a model loads from, relative with '/' separators, sorted: those a hub
    /// download fetches (<see cref="ModelLocator.DefaultInclude"/>), at the top or in a sentence-transformers module
    /// folder ("1_Pooling/"), so a local folder's pytorch_model.bin, ONNX or TensorFlow exports and training
    /// checkpoints stay out.
    /// </summary>
    public static IReadOnlyList<string> ModelFilesOf(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith('.') && (!f.Contains('/') || IsModuleFolder(f[..f.IndexOf('/')])) && GlobPattern.MatchesAny(f, ModelFiles))
            .Order(StringComparer.Ordinal)];

    /// <summary>sentence-transformers' module folders are "INDEX_Name" (1_Pooling, 2_Dense, 2_Normalize).</summary>
    private static bool IsModuleFolder(string name) =>
        name.IndexOf('_') is > 0 and var underscore && name[..underscore].All(char.IsAsciiDigit);

    /// <summary>Writes <paramref name="files"/> of <paramref name="folder"/> as entries under <paramref name="prefix"/> ("nlu/encoder/"); returns the entry names.</summary>
    public static IReadOnlyList<string> Write(ModelArchiveWriter writer, string prefix, string folder, IReadOnlyList<string> files)
    {
        var entries = new List<string>();
        foreach (string file in files)
        {
            string entry = prefix + file;
            writer.AddBytes(entry, File.ReadAllBytes(Path.Combine(folder, file)));
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>The component's entries under <paramref name="prefix"/> as a folder on disk, unpacked when not already there.</summary>
    public static string Unpack(ModelArchiveReader reader, ComponentManifest component, string prefix)
    {
        var entries = component.Entries.Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (entries.Length == 0)
            throw new ModelArchiveException($"{reader.Path}: component '{component.Name}' has no entries under {prefix}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string entry in entries)
            hash.AppendData(Encoding.UTF8.GetBytes($"{entry[prefix.Length..]}\0{reader.Manifest.Checksums[entry]}\n"));
        string folder = Path.Combine(Path.GetTempPath(), "kefu-models", Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
        string Target(string root, string entry)
        {
            string target = Path.GetFullPath(Path.Combine(root, entry[prefix.Length..]));
            if (!target.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ModelArchiveException($"{reader.Path}: entry '{entry}' points outside its folder");
            return target;
        }
        if (entries.All(e => new FileInfo(Target(folder, e)) is { Exists: true } f && f.Length == reader.Bytes(e).Length))
            return folder;
        string staging = folder + "." + Guid.NewGuid().ToString("N");
        foreach (string entry in entries)
        {
            string target = Target(staging, entry);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, reader.Bytes(entry).ToArray());
        }
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            Directory.Delete(staging, recursive: true);   // another process unpacked the same model first
        }
        return folder;
    }
}
