using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>
/// The bot's domain as an action sees it: names of intents, entities, slots, responses, actions, and each form's
/// required slots. <see cref="Json"/> is Rasa's Domain.as_dict(), written only when asked for.
/// </summary>
public sealed class Domain
{
    private readonly Lazy<JsonElement> json;

    public Domain(IReadOnlyList<string> intents, IReadOnlyList<string> entities, IReadOnlyList<string> slots,
        IReadOnlyList<string> responses, IReadOnlyList<string> actions,
        IReadOnlyDictionary<string, IReadOnlyList<string>> forms, Func<JsonElement> json)
    {
        Intents = intents;
        Entities = entities;
        Slots = slots;
        Responses = responses;
        Actions = actions;
        Forms = forms;
        this.json = new Lazy<JsonElement>(json);
    }

    public IReadOnlyList<string> Intents { get; }
    public IReadOnlyList<string> Entities { get; }

    /// <summary>The names of the domain's slots.</summary>
    public IReadOnlyList<string> Slots { get; }

    /// <summary>The names of the domain's responses (utter_*).</summary>
    public IReadOnlyList<string> Responses { get; }

    /// <summary>The custom actions the domain declares.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>Each form's required slots, in the order the form asks for them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Forms { get; }

    /// <summary>The whole domain as Rasa's JSON (domain.as_dict()).</summary>
    public JsonElement Json => json.Value;

    public static Domain Empty { get; } = new([], [], [], [], [], new Dictionary<string, IReadOnlyList<string>>(),
        () => JsonDocument.Parse("{}").RootElement.Clone());

    /// <summary>Reads the "domain" of an action-server request (Rasa's Domain.as_dict()).</summary>
    public static Domain FromJson(JsonElement domain)
    {
        if (domain.ValueKind != JsonValueKind.Object) return Empty;
        var copy = domain.Clone();
        var forms = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (Sdk.Json.Object(copy, "forms") is { } f)
            foreach (var form in f.EnumerateObject())
                forms[form.Name] = form.Value.ValueKind == JsonValueKind.Object && form.Value.TryGetProperty("required_slots", out var r)
                    ? Names(r) : [];
        return new Domain(Names(Property(copy, "intents")), Names(Property(copy, "entities")), Names(Property(copy, "slots")),
            Names(Property(copy, "responses")), Names(Property(copy, "actions")), forms, () => copy);
    }

    private static JsonElement Property(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v : default;

    /// <summary>Names of a list (strings, or one-key objects as Rasa writes intents with properties) or an object's keys.</summary>
    private static List<string> Names(JsonElement list) => list.ValueKind switch
    {
        JsonValueKind.Array => list.EnumerateArray().Select(x => x.ValueKind switch
        {
            JsonValueKind.String => x.GetString(),
            JsonValueKind.Object => x.EnumerateObject().Select(p => p.Name).FirstOrDefault(),
            _ => null,
        }).OfType<string>().ToList(),
        JsonValueKind.Object => list.EnumerateObject().Select(p => p.Name).ToList(),
        _ => [],
    };
}
