using Kefu.Projects;
using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Data;

public sealed record DomainMigration(string? Yaml, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Changes);

/// <summary>
/// A Rasa 2 domain in Rasa 3's format, by the rules of `rasa data migrate` (rasa/core/migrate.py):
/// <list type="number">
/// <item>Each form's slot mappings (2.x `forms: f: required_slots: {slot: [mappings]}`, or the 2.0 form without the
/// `required_slots` key) move to the slot's `mappings`, each with `conditions: [{active_loop: f, requested_slot: slot}]`;
/// from_entity and from_trigger_intent mappings get `active_loop` only, as Rasa's migration gives them. The same mapping
/// in two forms is one mapping with two conditions. The form keeps `required_slots` as a list of names and `ignored_intents`.</item>
/// <item>A slot with `auto_fill` true (Rasa 2's default) named like an entity gets `{type: from_entity, entity: slot}`;
/// `auto_fill` is removed.</item>
/// <item>A slot left without mappings gets `[{type: custom}]` (Rasa warns to double-check it; so does Kefu).</item>
/// <item>Kefu also turns `type: unfeaturized` into `type: any` with `influence_conversation: false` (Rasa 3 refuses it).</item>
/// </list>
/// `version` becomes "3.1". A domain already in 3.x form (version 3, or slots with mappings) is refused, as Rasa refuses it.
/// Comments are not carried over (the YAML is re-written from its parsed form); every change is listed.
/// </summary>
public static class DomainMigrator
{
    public static DomainMigration Migrate(string path)
    {
        var bag = new DiagnosticBag();
        var source = YamlSource.Load(path, path, bag, ProjectLimits.Default);
        if (source.Failed) return new(null, bag.Sorted(), []);
        if (source.Root is not YamlMappingNode root)
        {
            bag.Error(new SourceLocation(path, 1, 1), "the domain must be a mapping (intents:, slots:, forms: ...)");
            return new(null, bag.Sorted(), []);
        }
        var changes = new List<string>();
        var version = Child(root, "version") as YamlScalarNode;
        var slots = Child(root, "slots") as YamlMappingNode;
        if (version?.Value is { } v && v.TrimStart('"').StartsWith('3'))
            bag.Error(source.At(version), $"the domain is already in Rasa 3 format (version {v}); nothing to migrate");
        else if (slots?.Children.Values.OfType<YamlMappingNode>().FirstOrDefault(s => Child(s, "mappings") is not null) is { } mapped)
            bag.Error(source.At(mapped), "the domain's slots already have 'mappings' (Rasa 3 format); nothing to migrate");
        if (Child(root, "slots") is { } slotsNode && slots is null && !YamlSource.IsNull(slotsNode))
            bag.Error(source.At(slotsNode), "'slots' must be a mapping of slot names to their properties");
        if (bag.HasErrors) return new(null, bag.Sorted(), []);

        slots ??= new YamlMappingNode();
        var entities = EntityNames(Child(root, "entities"));
        if (Child(root, "forms") is YamlMappingNode forms)
            foreach (var (formKey, formValue) in forms.Children.ToList())
                if (formKey is YamlScalarNode { Value: { } form })
                    MigrateForm(source, form, formValue, forms, formKey, slots, changes);

        foreach (var (slotKey, slotValue) in slots.Children.ToList())
        {
            if (slotKey is not YamlScalarNode { Value: { } slot }) continue;
            if (slotValue is not YamlMappingNode properties)
            {
                source.Error(slotValue, $"slot '{slot}' must be a mapping of properties (type: ...)");
                continue;
            }
            var autoFill = Child(properties, "auto_fill") as YamlScalarNode;
            bool fills = autoFill?.Value is not ("false" or "False" or "FALSE");
            var mappings = Mappings(properties);
            if (fills && entities.Contains(slot))
            {
                var fromEntity = new YamlMappingNode { { "type", "from_entity" }, { "entity", slot } };
                if (!mappings.Children.Any(m => m.Equals(fromEntity)))
                {
                    mappings.Add(fromEntity);
                    changes.Add($"slot '{slot}': auto_fill from the entity '{slot}' became a from_entity mapping");
                }
            }
            if (autoFill is not null)
            {
                properties.Children.Remove(new YamlScalarNode("auto_fill"));
                if (!fills) changes.Add($"slot '{slot}': 'auto_fill: false' removed (Rasa 3 fills slots only through mappings)");
            }
            if (mappings.Children.Count == 0)
            {
                mappings.Add(new YamlMappingNode { { "type", "custom" } });
                changes.Add($"slot '{slot}': it had no mappings and got '- type: custom' (filled by actions only); double-check this is right");
            }
            if (Child(properties, "type") is YamlScalarNode { Value: "unfeaturized" } type)
            {
                type.Value = "any";
                properties.Children[new YamlScalarNode("influence_conversation")] = new YamlScalarNode("false");
                changes.Add($"slot '{slot}': the Rasa 2 type 'unfeaturized' became 'type: any' with 'influence_conversation: false'");
            }
        }
        if (slots.Children.Count > 0) root.Children[new YamlScalarNode("slots")] = slots;
        root.Children[new YamlScalarNode("version")] = new YamlScalarNode(NluYamlWriter.Version) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };
        changes.Add($"version set to \"{NluYamlWriter.Version}\"");
        if (bag.HasErrors) return new(null, bag.Sorted(), changes);

        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        string yaml = writer.ToString().TrimEnd().TrimEnd('.').TrimEnd() + "\n";
        // The result must read as a Rasa 3 domain without errors before anything is written.
        var check = new DiagnosticBag();
        var reader = new DomainReader(check);
        reader.Read(YamlSource.Parse(yaml, path + " (migrated)", check, ProjectLimits.Default));
        var domain = reader.Build();
        new ProjectValidator(domain, check).CheckDomain();
        var problems = check.Sorted().Where(d => d.Severity == Severity.Error).ToList();
        return problems.Count > 0 ? new(null, [.. bag.Sorted(), .. problems], changes) : new(yaml, bag.Sorted(), changes);
    }

    private static void MigrateForm(YamlSource source, string form, YamlNode value, YamlMappingNode forms, YamlNode formKey,
        YamlMappingNode slots, List<string> changes)
    {
        if (YamlSource.IsNull(value)) return;
        if (value is not YamlMappingNode properties)
        {
            source.Error(value, $"form '{form}' must be a mapping (required_slots: ...)");
            return;
        }
        YamlMappingNode required;
        if (Child(properties, "required_slots") is { } requiredNode)
        {
            if (requiredNode is YamlSequenceNode) return; // already a list of names
            if (requiredNode is not YamlMappingNode r)
            {
                source.Error(requiredNode, $"form '{form}': required_slots must map each slot to its mappings");
                return;
            }
            required = r;
        }
        else
        {
            // Rasa 2.0: the form's keys are its slots.
            required = new YamlMappingNode(properties.Children.Where(c => c.Key is not YamlScalarNode { Value: "ignored_intents" }));
        }

        var names = new YamlSequenceNode();
        foreach (var (slotKey, mappingsNode) in required.Children)
        {
            if (slotKey is not YamlScalarNode { Value: { } slot }) continue;
            names.Add(slot);
            if (!slots.Children.TryGetValue(slotKey, out var slotNode))
            {
                source.Error(slotKey, $"form '{form}' requires the slot '{slot}', which the domain's slots do not define; add it before migrating");
                continue;
            }
            if (slotNode is not YamlMappingNode slotProperties) continue;
            var mappings = Mappings(slotProperties);
            var formMappings = mappingsNode is YamlSequenceNode list ? list.Children : [];
            foreach (var mapping in formMappings.OfType<YamlMappingNode>())
            {
                string type = (Child(mapping, "type") as YamlScalarNode)?.Value ?? "from_entity";
                var condition = new YamlMappingNode { { "active_loop", form } };
                if (type is not ("from_entity" or "from_trigger_intent")) condition.Add("requested_slot", slot);
                var existing = mappings.Children.OfType<YamlMappingNode>().FirstOrDefault(m => SameMapping(m, mapping));
                if (existing is null)
                {
                    existing = new YamlMappingNode(mapping.Children.Where(c => c.Key is not YamlScalarNode { Value: "conditions" }));
                    mappings.Add(existing);
                }
                if (Child(existing, "conditions") is not YamlSequenceNode conditions)
                    existing.Children[new YamlScalarNode("conditions")] = conditions = new YamlSequenceNode();
                conditions.Add(condition);
                changes.Add($"slot '{slot}': the {type} mapping of form '{form}' moved to the slot, with the condition active_loop: {form}" +
                    (type is "from_entity" or "from_trigger_intent" ? "" : $", requested_slot: {slot}"));
            }
        }
        var migrated = new YamlMappingNode { { "required_slots", names } };
        if (Child(properties, "ignored_intents") is { } ignored) migrated.Add("ignored_intents", ignored);
        forms.Children[formKey] = migrated;
    }

    private static bool SameMapping(YamlMappingNode a, YamlMappingNode b)
    {
        static IEnumerable<string> Keys(YamlMappingNode m) => m.Children
            .Where(c => c.Key is not YamlScalarNode { Value: "conditions" })
            .Select(c => $"{c.Key}={c.Value}").Order(StringComparer.Ordinal);
        return Keys(a).SequenceEqual(Keys(b));
    }

    private static YamlSequenceNode Mappings(YamlMappingNode slot)
    {
        if (Child(slot, "mappings") is YamlSequenceNode existing) return existing;
        var created = new YamlSequenceNode();
        slot.Children[new YamlScalarNode("mappings")] = created;
        return created;
    }

    private static HashSet<string> EntityNames(YamlNode? node)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (node is not YamlSequenceNode list) return names;
        foreach (var item in list.Children)
            if (item is YamlScalarNode { Value: { } name }) names.Add(name);
            else if (item is YamlMappingNode { Children.Count: 1 } m && m.Children.Keys.First() is YamlScalarNode { Value: { } named }) names.Add(named);
        return names;
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) => YamlSource.Get(mapping, key);
}
