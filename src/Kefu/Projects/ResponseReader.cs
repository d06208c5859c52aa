using System.Text.Json;
using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>A `{name}` placeholder in a response, where it is written (for the check that the slot exists).</summary>
internal sealed record PlaceholderUse(string Response, string Name, SourceLocation Location);

/// <summary>Reads `responses:`: each name maps to a list of variations.</summary>
internal static class ResponseReader
{
    private static readonly string[] VariationKeys =
        ["text", "image", "buttons", "custom", "attachment", "channel", "condition", "id", "metadata", "quick_replies", "elements", "button_type"];

    // Rasa keys Kefu accepts but does not act on; they are named in a warning so nobody relies on them silently.
    private static readonly string[] IgnoredKeys = ["metadata", "quick_replies", "elements", "button_type"];

    /// <param name="placeholders">Receives every `{name}` of the texts, images and buttons, at its line and column.</param>
    public static List<ResponseDefinition> Read(YamlSource source, YamlNode node, List<PlaceholderUse>? placeholders = null)
    {
        var responses = new List<ResponseDefinition>();
        foreach (var (name, nameNode, value) in source.Entries(node, "'responses'"))
        {
            if (!name.StartsWith("utter_", StringComparison.Ordinal))
                source.Warning(nameNode, $"the response '{name}' does not start with 'utter_', so stories cannot call it as an action");
            var variations = source.Sequence(value, $"response '{name}'")
                .Select(v => ReadVariation(source, name, v, placeholders)).OfType<ResponseVariation>().ToList();
            if (YamlSource.IsNull(value) || value is YamlSequenceNode { Children.Count: 0 })
                source.Error(nameNode, $"the response '{name}' has no variations; add at least '- text: ...'");
            responses.Add(new ResponseDefinition(name, variations, source.At(nameNode)));
        }
        return responses;
    }

    private static ResponseVariation? ReadVariation(YamlSource source, string response, YamlNode node, List<PlaceholderUse>? placeholders)
    {
        if (source.Mapping(node, $"a variation of response '{response}'") is not { } v) return null;
        if (placeholders is not null)
        {
            IEnumerable<YamlNode?> templated = [YamlSource.Get(v, "text"), YamlSource.Get(v, "image"),
                .. (YamlSource.Get(v, "buttons") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>()
                    .SelectMany(b => new[] { YamlSource.Get(b, "title"), YamlSource.Get(b, "payload") }) ?? []];
            foreach (var scalar in templated.OfType<YamlScalarNode>())
                foreach (var p in ResponseTemplate.Placeholders(scalar.Value ?? ""))
                    placeholders.Add(new PlaceholderUse(response, p.Name, source.PositionIn(scalar, p.Start)));
        }
        string what = $"a variation of response '{response}'";
        source.WarnUnknownKeys(v, what, VariationKeys);
        foreach (var key in IgnoredKeys)
            if (YamlSource.Get(v, key) is { } ignored)
                source.Warning(ignored, $"'{key}' in {what} is not used by Kefu and is ignored");

        var text = source.OptionalString(YamlSource.Get(v, "text"), $"the text of {what}");
        var image = source.OptionalString(YamlSource.Get(v, "image"), $"the image of {what}");
        var buttons = ReadButtons(source, YamlSource.Get(v, "buttons"), what);
        var custom = YamlSource.Get(v, "custom") is { } customNode ? source.ToJson(customNode) : (JsonElement?)null;
        var attachment = YamlSource.Get(v, "attachment") is { } attachmentNode ? source.ToJson(attachmentNode) : (JsonElement?)null;
        if (text is null && image is null && buttons.Count == 0 && custom is null && attachment is null)
        {
            source.Error(node, $"{what} has nothing to send; give it text, image, buttons, custom or attachment");
            return null;
        }
        return new ResponseVariation(text, buttons, image, custom, attachment,
            source.OptionalString(YamlSource.Get(v, "channel"), "channel"),
            ReadConditions(source, YamlSource.Get(v, "condition"), what),
            source.OptionalString(YamlSource.Get(v, "id"), "id"),
            source.At(node));
    }

    private static List<ResponseButton> ReadButtons(YamlSource source, YamlNode? node, string what)
    {
        var buttons = new List<ResponseButton>();
        if (node is null) return buttons;
        foreach (var item in source.Sequence(node, $"the buttons of {what}"))
        {
            if (source.Mapping(item, $"a button of {what}") is not { } b) continue;
            source.WarnUnknownKeys(b, $"a button of {what}", "title", "payload");
            var title = YamlSource.Get(b, "title");
            var payload = YamlSource.Get(b, "payload");
            if (title is null || payload is null)
            {
                source.Error(item, $"a button of {what} needs both 'title' (what the user sees) and 'payload' (what is sent)");
                continue;
            }
            if (source.String(title, "the button title") is { } t && source.String(payload, "the button payload") is { } p)
                buttons.Add(new ResponseButton(t, p));
        }
        return buttons;
    }

    private static List<ResponseCondition> ReadConditions(YamlSource source, YamlNode? node, string what)
    {
        var conditions = new List<ResponseCondition>();
        if (node is null) return conditions;
        foreach (var item in source.Sequence(node, $"the condition of {what}"))
        {
            if (source.Mapping(item, $"a condition of {what}") is not { } c) continue;
            source.WarnUnknownKeys(c, $"a condition of {what}", "type", "name", "value");
            var type = source.OptionalString(YamlSource.Get(c, "type"), "the condition type");
            if (type != "slot")
            {
                source.Error(item, $"a condition of {what} must have 'type: slot' (the only condition Rasa has)");
                continue;
            }
            var nameNode = YamlSource.Get(c, "name");
            var valueNode = YamlSource.Get(c, "value");
            if (nameNode is null || valueNode is null)
            {
                source.Error(item, $"a condition of {what} needs 'name' (a slot) and 'value'");
                continue;
            }
            if (source.String(nameNode, "the condition's slot name") is { } slot)
                conditions.Add(new ResponseCondition(slot, source.ToJson(valueNode), source.At(item)));
        }
        return conditions;
    }
}
