using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Projects;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// A domain in the JSON shape of Rasa's Domain.as_dict(), the "domain" an action server receives. The Rasa
/// SDK reads slots (and their mappings), forms' required_slots and responses from it.
/// </summary>
public static class DomainJson
{
    public static JsonElement Build(Domain domain)
    {
        var o = new JsonObject
        {
            ["version"] = domain.Version ?? "3.1",
            ["session_config"] = new JsonObject
            {
                ["session_expiration_time"] = domain.SessionConfig.SessionExpirationTimeMinutes,
                ["carry_over_slots_to_new_session"] = domain.SessionConfig.CarryOverSlotsToNewSession,
            },
            ["intents"] = Array(domain.Intents.Select(Intent)),
            ["entities"] = Array(domain.Entities.Select(Entity)),
            ["slots"] = Object(domain.Slots.Select(s => (s.Name, (JsonNode)Slot(s)))),
            ["responses"] = Object(domain.Responses.Select(r => (r.Name, (JsonNode)Array(r.Variations.Select(Variation))))),
            ["actions"] = Array(domain.Actions.Select(a => (JsonNode)a.Name)),
            ["forms"] = Object(domain.Forms.Select(f => (f.Name, (JsonNode)new JsonObject
            {
                ["required_slots"] = Strings(f.RequiredSlots),
                ["ignored_intents"] = Strings(f.IgnoredIntents),
            }))),
            ["e2e_actions"] = new JsonArray(),
        };
        return JsonSerializer.SerializeToElement(o);
    }

    /// <summary>"greet", or {"greet": {"use_entities": [...]}} / {"ignore_entities": [...]} when it restricts entities.</summary>
    private static JsonNode Intent(IntentDefinition i) => i.UseEntities switch
    {
        EntityUse.All when i.IgnoreEntities.Count == 0 => i.Name,
        EntityUse.All => new JsonObject { [i.Name] = new JsonObject { ["ignore_entities"] = Strings(i.IgnoreEntities) } },
        EntityUse.Listed => new JsonObject { [i.Name] = new JsonObject { ["use_entities"] = Strings(i.UsedEntities) } },
        _ => new JsonObject { [i.Name] = new JsonObject { ["use_entities"] = false } },
    };

    private static JsonNode Entity(EntityDefinition e)
    {
        if (e.Roles.Count == 0 && e.Groups.Count == 0 && e.InfluenceConversation) return e.Name;
        var body = new JsonObject { ["influence_conversation"] = e.InfluenceConversation };
        if (e.Roles.Count > 0) body["roles"] = Strings(e.Roles);
        if (e.Groups.Count > 0) body["groups"] = Strings(e.Groups);
        return new JsonObject { [e.Name] = body };
    }

    private static JsonObject Slot(SlotDefinition s)
    {
        var o = new JsonObject
        {
            ["type"] = s.Type.ToString().ToLowerInvariant(),
            ["initial_value"] = Node(s.InitialValue),
            ["influence_conversation"] = s.InfluenceConversation,
            ["mappings"] = Array(s.Mappings.Select(Mapping)),
        };
        if (s.Type == SlotType.Categorical) o["values"] = Strings(s.Values);
        if (s.Type == SlotType.Float)
        {
            o["min_value"] = s.MinValue;
            o["max_value"] = s.MaxValue;
        }
        return o;
    }

    private static JsonNode Mapping(SlotMapping m)
    {
        var o = m switch
        {
            FromEntityMapping e => new JsonObject { ["type"] = "from_entity", ["entity"] = e.Entity, ["role"] = e.Role, ["group"] = e.Group },
            FromTextMapping => new JsonObject { ["type"] = "from_text" },
            FromIntentMapping i => new JsonObject { ["type"] = "from_intent", ["value"] = Node(i.Value) },
            FromTriggerIntentMapping t => new JsonObject { ["type"] = "from_trigger_intent", ["value"] = Node(t.Value) },
            CustomMapping c => new JsonObject { ["type"] = "custom", ["action"] = c.Action },
            _ => throw new ArgumentException($"no Rasa name for slot mapping {m.GetType().Name}"),
        };
        foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList()) o.Remove(key);
        if (m.Intent.Count > 0) o["intent"] = Strings(m.Intent);
        if (m.NotIntent.Count > 0) o["not_intent"] = Strings(m.NotIntent);
        if (m.Conditions.Count > 0)
            o["conditions"] = Array(m.Conditions.Select(c => (JsonNode)new JsonObject
            {
                ["active_loop"] = c.ActiveLoop,
                ["requested_slot"] = c.RequestedSlot,
            }));
        return o;
    }

    private static JsonNode Variation(ResponseVariation v)
    {
        var o = new JsonObject();
        if (v.Text is not null) o["text"] = v.Text;
        if (v.Buttons.Count > 0)
            o["buttons"] = Array(v.Buttons.Select(b => (JsonNode)new JsonObject { ["title"] = b.Title, ["payload"] = b.Payload }));
        if (v.Image is not null) o["image"] = v.Image;
        if (v.Custom is { } custom) o["custom"] = Node(custom);
        if (v.Attachment is { } attachment) o["attachment"] = Node(attachment);
        if (v.Channel is not null) o["channel"] = v.Channel;
        if (v.Id is not null) o["id"] = v.Id;
        if (v.Conditions.Count > 0)
            o["condition"] = Array(v.Conditions.Select(c => (JsonNode)new JsonObject
            {
                ["type"] = "slot", ["name"] = c.Slot, ["value"] = Node(c.Value),
            }));
        return o;
    }

    private static JsonNode? Node(JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Null } v ? JsonNode.Parse(v.GetRawText()) : null;

    private static JsonArray Strings(IEnumerable<string> values) => Array(values.Select(v => (JsonNode)v));

    private static JsonArray Array(IEnumerable<JsonNode?> nodes) => new(nodes.ToArray());

    private static JsonObject Object(IEnumerable<(string Key, JsonNode Value)> pairs)
    {
        var o = new JsonObject();
        foreach (var (key, value) in pairs) o[key] = value;
        return o;
    }
}
