using System.Text.Json;

namespace Kefu.Projects;

/// <summary>A response (utter_*): one variation is chosen each time, among those whose conditions hold.</summary>
public sealed record ResponseDefinition(string Name, IReadOnlyList<ResponseVariation> Variations, SourceLocation Location);

/// <summary>
/// One variation. Text may hold `{slot}` placeholders. Custom and Attachment keep the YAML payload as JSON.
/// Channel null: any channel. Conditions: all must hold (slot equals value).
/// </summary>
public sealed record ResponseVariation(
    string? Text,
    IReadOnlyList<ResponseButton> Buttons,
    string? Image,
    JsonElement? Custom,
    JsonElement? Attachment,
    string? Channel,
    IReadOnlyList<ResponseCondition> Conditions,
    string? Id,
    SourceLocation Location);

/// <summary>A button: Payload is what the user "says" when clicking, often `/intent{"entity": "value"}`.</summary>
public sealed record ResponseButton(string Title, string Payload);

/// <summary>Rasa's `condition: [{type: slot, name, value}]`; only slot conditions exist.</summary>
public sealed record ResponseCondition(string Slot, JsonElement Value, SourceLocation Location);
