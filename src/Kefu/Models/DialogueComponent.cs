using System.Security.Cryptography;
using System.Text;
using Kefu.Dialogue.Policies;
using Kefu.Projects;

namespace Kefu.Models;

/// <summary>
/// Stores the dialogue side of a bot as the "dialogue" component: the trained policies as JSON and the
/// project files the bot runs from (domain, config, endpoints, data/), so an archive serves on its own.
/// The fingerprint of those files tells whether an archive is still up to date with its project.
/// </summary>
public static class DialogueComponent
{
    public const string Name = "dialogue";
    public const string Type = "dialogue.v1";
    private const string PoliciesEntry = "dialogue/policies.json";
    private const string ProjectPrefix = "dialogue/project/";

    public sealed record DialogueComponentConfig(string ProjectFingerprint, IReadOnlyList<string> ProjectFiles);

    public static void Write(ModelArchiveWriter writer, RasaProject project, PolicyModel policies)
    {
        writer.AddBytes(PoliciesEntry, PolicyModelJson.Serialize(policies));
        var files = ProjectFiles(project.Directory);
        foreach (var file in files) writer.AddBytes(ProjectPrefix + file, File.ReadAllBytes(Path.Combine(project.Directory, file)));
        writer.AddComponent(Name, Type, new DialogueComponentConfig(Fingerprint(project.Directory), files),
            [PoliciesEntry, .. files.Select(f => ProjectPrefix + f)]);
    }

    public static (PolicyModel Policies, DialogueComponentConfig Config) Read(ModelArchiveReader reader)
    {
        var component = reader.Component(Name, Type);
        var config = reader.Config<DialogueComponentConfig>(component);
        try
        {
            return (PolicyModelJson.Deserialize(reader.Bytes(PoliciesEntry)), config);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ModelArchiveException($"{reader.Path}: {PoliciesEntry} is not a valid policy model: {e.Message}", e);
        }
    }

    /// <summary>Writes the archived project files into <paramref name="directory"/> (for serving an archive without its project).</summary>
    public static void ExtractProject(ModelArchiveReader reader, string directory)
    {
        var config = reader.Config<DialogueComponentConfig>(reader.Component(Name, Type));
        foreach (var file in config.ProjectFiles)
        {
            var target = Path.GetFullPath(Path.Combine(directory, file));
            if (!target.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal))
                throw new ModelArchiveException($"{reader.Path}: project file '{file}' points outside the project");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, reader.Bytes(ProjectPrefix + file).ToArray());
        }
    }

    /// <summary>
    /// The files a bot runs from, relative with '/' separators, sorted: domain, config, endpoints, data/. Links that
    /// leave the project or loop are left out (validation has reported them).
    /// </summary>
    public static IReadOnlyList<string> ProjectFiles(string directory)
    {
        var root = Path.GetFullPath(directory);
        return new Projects.ProjectFiles(root).BotFiles()
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>SHA-256 over the project files' names and contents, hex.</summary>
    public static string Fingerprint(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in ProjectFiles(directory))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            var bytes = File.ReadAllBytes(Path.Combine(directory, file));
            hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
