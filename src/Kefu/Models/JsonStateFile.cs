using System.Text.Json;

namespace Kefu.Models;

/// <summary>A state file's contents that name the version of their format (registry.json, experiments.json).</summary>
public interface IFormatVersioned
{
    int FormatVersion { get; }
}

/// <summary>
/// The small JSON state files beside a project's models (registry.json, experiments.json): read whole, with a parse error
/// or another format version reported through the caller's <c>damaged(why, inner)</c>; written whole through a
/// temporary file and a rename, so that a reader (a running kefu serve) never sees half of one.
/// </summary>
public static class JsonStateFile
{
    /// <summary>The contents of <paramref name="path"/>; null when it does not exist.</summary>
    public static T? Read<T>(string path, JsonSerializerOptions json, int formatVersion, Func<string, Exception?, Exception> damaged)
        where T : class, IFormatVersioned
    {
        if (!File.Exists(path)) return null;
        T? contents;
        try
        {
            contents = JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), json);
        }
        catch (JsonException e)
        {
            throw damaged($"line {(e.LineNumber ?? 0) + 1}: {e.Message}", e);
        }
        if (contents is null) throw damaged("it holds null", null);
        if (contents.FormatVersion != formatVersion)
            throw damaged($"format_version {contents.FormatVersion} is not {formatVersion}, the one this Kefu reads", null);
        return contents;
    }

    public static void Write<T>(string path, T contents, JsonSerializerOptions json)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(contents, json));
        File.Move(temp, path, overwrite: true);
    }
}
