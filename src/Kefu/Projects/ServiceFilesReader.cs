using Kefu.Projects.Yaml;

namespace Kefu.Projects;

/// <summary>
/// endpoints.yml and credentials.yml, read here only to say what Kefu does not use: a project moved from Rasa keeps them,
/// and a tracker store or a channel that silently does nothing would surprise. The action endpoint, the tracker and lock
/// stores are read when the server starts (<c>ActionServerEndpoint</c>, <c>StoreEndpoints</c>).
/// </summary>
internal static class ServiceFilesReader
{
    public static void CheckEndpoints(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, value) in source.Entries(root, "endpoints.yml"))
        {
            if (key == "nlg" && value is YamlDotNet.RepresentationModel.YamlMappingNode nlg && !nlg.Children.ContainsKey(new YamlDotNet.RepresentationModel.YamlScalarNode("model")))
                source.Warning(keyNode, "endpoints.yml: nlg with only a url (an external NLG server) is not called by Kefu; " +
                    "give `model:` (a local generator) and kefu serve answers Rasa's NLG protocol at POST /nlg itself");
            else if (key is not ("action_endpoint" or "llm" or "tracker_store" or "lock_store" or "version" or "nlg" or "privacy") && !YamlSource.IsNull(value))
                source.Warning(keyNode, $"endpoints.yml: '{key}' is not used by Kefu, only action_endpoint, llm, tracker_store, lock_store, nlg (with a local model) and privacy are");
        }
    }

    /// <summary>The `privacy:` section's errors, found when the project is read (train, validate), not only when it is served.</summary>
    public static void CheckPrivacy(YamlSource source, string path)
    {
        try
        {
            Kefu.Privacy.PrivacySettings.Parse(File.ReadAllText(path), source.File);
        }
        catch (ProjectException e)
        {
            foreach (var d in e.Diagnostics) source.Diagnostics.Error(d.Location, d.Message);
        }
    }

    public static void CheckCredentials(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, _) in source.Entries(root, "credentials.yml"))
            if (key is not ("rest" or "callback" or "telegram" or "slack" or "wechat" or "wecom" or "feishu" or "dingtalk" or "socketio"))
                source.Warning(keyNode, $"credentials.yml: the channel '{key}' is not served by Kefu; kefu serve has rest (and its web chat), callback, telegram, slack, wechat, wecom, feishu, dingtalk and socketio (docs/channels.md)");
    }
}
