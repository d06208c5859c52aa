using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Agents;

/// <summary>What an agent may do in the console: trainers read conversations; agents and admins handle them; admins also reassign.</summary>
public enum AgentRole { Agent, Trainer, Admin }

/// <summary>One console user: the sign-in name, the name the customer sees, the role and a PBKDF2 hash (ASP.NET Core Identity's format).</summary>
public sealed record AgentUser(string Name, string DisplayName, AgentRole Role, string PasswordHash);

/// <summary>A bad agents.yml or canned.yml; the message has one "file:line:column: problem" per line.</summary>
public sealed class AgentsFileException(string message) : Exception(message);

/// <summary>
/// PROJECT/agents.yml, the console's users. Written by `kefu agents add` (comments are not kept), read at start:
/// <code>
/// agents:
///   - name: alice          # sign-in name: letters, digits, '.', '_', '-'
///     display_name: 小王   # what the customer sees beside the agent's messages
///     role: agent          # agent | trainer | admin
///     password_hash: "AQAAAAIAAYagAAAAE..."
/// </code>
/// </summary>
public static partial class AgentsFile
{
    public const string FileName = "agents.yml";

    private static readonly PasswordHasher<AgentUser> Hasher = new();
    private static readonly JsonSerializerOptions YamlString = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    public static string PathIn(string projectDirectory) => Path.Combine(projectDirectory, FileName);

    /// <summary>Null when the name is usable; the reason otherwise.</summary>
    public static string? CheckName(string name) =>
        NamePattern().IsMatch(name) ? null : $"the agent name \"{name}\" must be 1 to 64 letters, digits, '.', '_' or '-'";

    public static string? CheckDisplayName(string displayName) =>
        displayName.Trim().Length is >= 1 and <= 64 && !displayName.Any(char.IsControl) ? null : "the display name must be 1 to 64 characters, no control characters";

    public static bool TryParseRole(string? text, out AgentRole role)
    {
        role = AgentRole.Agent;
        return text is "agent" or "trainer" or "admin" && Enum.TryParse(text, ignoreCase: true, out role);
    }

    public static string Hash(AgentUser user, string password) => Hasher.HashPassword(user, password);

    public static bool Verify(AgentUser user, string password) =>
        Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>The users of <paramref name="path"/>; every problem of the file at once, as file:line:column, in the exception.</summary>
    public static IReadOnlyList<AgentUser> Load(string path)
    {
        var errors = new List<string>();
        var users = new List<AgentUser>();
        var root = YamlFiles.Root(path, errors);
        if (root is not null)
        {
            if (root is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode("agents"), out var list) || list is not YamlSequenceNode items)
                errors.Add(YamlFiles.At(path, root, "expected a mapping with a list 'agents:' (see docs/agents.md)"));
            else
                foreach (var item in items)
                    if (ReadUser(path, item, errors) is { } user)
                    {
                        if (users.Any(u => u.Name == user.Name))
                            errors.Add(YamlFiles.At(path, item, $"the agent \"{user.Name}\" is listed twice"));
                        else
                            users.Add(user);
                    }
        }
        if (errors.Count > 0)
            throw new AgentsFileException(string.Join('\n', errors));
        return users;
    }

    private static AgentUser? ReadUser(string path, YamlNode item, List<string> errors)
    {
        if (item is not YamlMappingNode map)
        {
            errors.Add(YamlFiles.At(path, item, "expected an agent: name, display_name, role, password_hash"));
            return null;
        }
        var before = errors.Count;
        var name = YamlFiles.Scalar(path, map, "name", errors);
        var displayName = YamlFiles.Scalar(path, map, "display_name", errors, optional: true);
        var roleText = YamlFiles.Scalar(path, map, "role", errors);
        var hash = YamlFiles.Scalar(path, map, "password_hash", errors);
        if (name is not null && CheckName(name) is { } badName)
            errors.Add(YamlFiles.At(path, map, badName));
        if (displayName is not null && CheckDisplayName(displayName) is { } badDisplay)
            errors.Add(YamlFiles.At(path, map, badDisplay));
        if (roleText is not null && !TryParseRole(roleText, out _))
            errors.Add(YamlFiles.At(path, map, $"role is \"{roleText}\"; expected agent, trainer or admin"));
        if (hash is not null && !IsHash(hash))
            errors.Add(YamlFiles.At(path, map, "password_hash is not a password hash; make one with `kefu agents add NAME --role ROLE`"));
        if (errors.Count > before)
            return null;
        TryParseRole(roleText, out var role);
        return new AgentUser(name!, displayName ?? name!, role, hash!);
    }

    /// <summary>Identity's v3 format: base64 of 0x01, PRF, iterations, salt length, salt, subkey.</summary>
    private static bool IsHash(string text)
    {
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) && length >= 13 && bytes[0] == 0x01;
    }

    /// <summary>
    /// Adds the user, or replaces the one of that name (a new password, role or display name), and writes the file
    /// again. The file is written to a temporary file first and moved over, so a failed write leaves the old one.
    /// </summary>
    public static void AddOrReplace(string path, string name, string displayName, AgentRole role, string password)
    {
        var users = File.Exists(path) ? Load(path).ToList() : [];
        var user = new AgentUser(name, displayName, role, "");
        user = user with { PasswordHash = Hash(user, password) };
        var index = users.FindIndex(u => u.Name == name);
        if (index >= 0)
            users[index] = user;
        else
            users.Add(user);

        using var text = new StringWriter();
        text.WriteLine("# The agent console's users (docs/agents.md). Written by `kefu agents add`; comments are not kept.");
        text.WriteLine("agents:");
        foreach (var u in users)
        {
            text.WriteLine($"  - name: {Quote(u.Name)}");
            text.WriteLine($"    display_name: {Quote(u.DisplayName)}");
            text.WriteLine($"    role: {u.Role.ToString().ToLowerInvariant()}");
            text.WriteLine($"    password_hash: {Quote(u.PasswordHash)}");
        }
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A JSON string is a YAML double-quoted scalar.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value, YamlString);
}

/// <summary>The little YAML reading the console's files need, with file:line:column in every problem.</summary>
internal static class YamlFiles
{
    /// <summary>The document's root; null (and an error) when the file cannot be read or parsed, null alone when empty.</summary>
    public static YamlNode? Root(string path, List<string> errors)
    {
        try
        {
            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            if (stream.Documents.Count == 0)
            {
                errors.Add($"{path}:1:1: the file is empty");
                return null;
            }
            return stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            errors.Add($"{path}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            errors.Add($"{path}:1:1: cannot read the file: {e.Message}");
        }
        return null;
    }

    public static string At(string path, YamlNode node, string problem) => $"{path}:{node.Start.Line}:{node.Start.Column}: {problem}";

    public static string? Scalar(string path, YamlMappingNode map, string key, List<string> errors, bool optional = false)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is YamlScalarNode { Value: null or "" })
        {
            if (!optional)
                errors.Add(At(path, map, $"'{key}' is missing"));
            return null;
        }
        if (node is YamlScalarNode { Value: { } value })
            return value;
        errors.Add(At(path, node, $"'{key}' must be text"));
        return null;
    }
}
