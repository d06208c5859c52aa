using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

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
            if (key is not ("action_endpoint" or "llm" or "tracker_store" or "lock_store" or "version" or "nlg" or "privacy") && !YamlSource.IsNull(value))
                source.Warning(keyNode, $"endpoints.yml: '{key}' is not used by Kefu, only action_endpoint, llm, tracker_store, lock_store, nlg and privacy are");
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

    /// <summary>`privacy: keep_slots:` names that are no slot of the domain (a typo keeps nothing unmasked), each at its line.</summary>
    public static void CheckKeptSlots(YamlSource source, Domain domain)
    {
        if (source.Root is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("privacy"), out var privacy)
            || privacy is not YamlMappingNode section
            || !section.Children.TryGetValue(new YamlScalarNode("keep_slots"), out var kept)
            || kept is not YamlSequenceNode slots) return;
        foreach (var slot in slots.OfType<YamlScalarNode>())
            if (slot.Value is { Length: > 0 } name && domain.FindSlot(name) is null)
                source.Warning(slot, $"endpoints.yml privacy keep_slots names {name}, which the domain has no slot of");
    }

    public static void CheckCredentials(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, _) in source.Entries(root, "credentials.yml"))
            if (key is not ("rest" or "callback" or "telegram" or "slack" or "wechat" or "wecom" or "feishu" or "dingtalk" or "socketio"))
                source.Warning(keyNode, $"credentials.yml: the channel '{key}' is not served by Kefu; kefu serve has rest (and its web chat), callback, telegram, slack, wechat, wecom, feishu, dingtalk and socketio (docs/channels.md)");
    }
}
