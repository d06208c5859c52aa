using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>
/// endpoints.yml and credentials.yml, read only to say what Kefu does not use: a project moved from Rasa keeps them,
/// and a tracker store or a channel that silently does nothing would surprise. The action endpoint itself is read
/// when the bot starts (<c>ActionServerEndpoint</c>).
/// </summary>
internal static class ServiceFilesReader
{
    private static readonly Dictionary<string, string> EndpointHints = new(StringComparer.Ordinal)
    {
        ["tracker_store"] = "kefu serve stores conversations in SQLite (--db)",
        ["lock_store"] = "kefu serve orders each conversation's messages itself",
    };

    public static void CheckEndpoints(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, value) in source.Entries(root, "endpoints.yml"))
        {
            if (key == "nlg" && value is YamlDotNet.RepresentationModel.YamlMappingNode nlg && !nlg.Children.ContainsKey(new YamlDotNet.RepresentationModel.YamlScalarNode("model")))
                source.Warning(keyNode, "endpoints.yml: nlg with only a url (an external NLG server) is not called by Kefu; " +
                    "give `model:` (a local generator) and kefu serve answers Rasa's NLG protocol at POST /nlg itself");
            else if (key is not ("action_endpoint" or "llm" or "version" or "nlg") && !YamlSource.IsNull(value))
                source.Warning(keyNode, $"endpoints.yml: '{key}' is not used by Kefu, only action_endpoint, llm and nlg (with a local model) are"
                    + (EndpointHints.TryGetValue(key, out var hint) ? $" ({hint})" : ""));
        }
    }

    public static void CheckCredentials(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, _) in source.Entries(root, "credentials.yml"))
            if (key != "rest")
                source.Warning(keyNode, $"credentials.yml: the channel '{key}' is not served by Kefu; kefu serve has the REST channel (POST /webhooks/rest/webhook) and its web chat");
    }
}
