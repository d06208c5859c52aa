using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>
/// Reads domain files (domain.yml, or every file of a domain/ folder) into one <see cref="Domain"/>.
/// Names listed in several files are merged; a slot, response or form defined twice keeps its first definition.
/// </summary>
internal sealed class DomainReader(DiagnosticBag diagnostics)
{
    private static readonly string[] TopLevelKeys =
        ["version", "intents", "entities", "slots", "responses", "forms", "actions", "session_config", "config", "e2e_actions"];

    private string? _version;
    private SessionConfig? _session;
    private readonly List<IntentDefinition> _intents = [];
    private readonly List<EntityDefinition> _entities = [];
    private readonly List<SlotDefinition> _slots = [];
    private readonly List<ResponseDefinition> _responses = [];
    private readonly List<FormDefinition> _forms = [];
    private readonly List<ActionDefinition> _actions = [];

    public void Read(YamlSource source)
    {
        if (source.Root is not { } root || YamlSource.IsNull(root)) return;
        foreach (var (key, keyNode, value) in source.Entries(root, "a domain file"))
        {
            switch (key)
            {
                case "version": _version ??= source.OptionalString(value, "the domain version"); break;
                case "intents": ReadIntents(source, value); break;
                case "entities": ReadEntities(source, value); break;
                case "slots": AddOnce(source, _slots, SlotReader.Read(source, value), s => s.Name, s => s.Location, "slot"); break;
                case "responses": ReadResponses(source, value); break;
                case "forms": ReadForms(source, value); break;
                case "actions": ReadActions(source, value); break;
                case "session_config": ReadSession(source, value); break;
                case "config" or "e2e_actions": break; // Rasa 2 store_entities_as_slots; end-to-end bot texts need no declaration
                default:
                    source.Warning(keyNode, $"unknown key '{key}' in the domain is ignored (known keys: {string.Join(", ", TopLevelKeys)})");
                    break;
            }
        }
    }

    /// <summary>`responses:` of a domain file, or of a data file (Rasa's retrieval-intent responses live there).</summary>
    public void ReadResponses(YamlSource source, YamlNode value) =>
        AddOnce(source, _responses, ResponseReader.Read(source, value, _placeholders), r => r.Name, r => r.Location, "response");

    /// <summary>Every `{name}` placeholder of the responses read, where it is written.</summary>
    public IReadOnlyList<PlaceholderUse> Placeholders => _placeholders;

    private readonly List<PlaceholderUse> _placeholders = [];

    public Domain Build() => new(_version, _intents, _entities, _slots, _responses, _forms, _actions, _session ?? SessionConfig.Default);

    private void AddOnce<T>(YamlSource source, List<T> into, IEnumerable<T> items, Func<T, string> name, Func<T, SourceLocation> at, string what)
    {
        var firstByName = _firstByName.TryGetValue(into, out var index) ? index : _firstByName[into] = new(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (firstByName.TryGetValue(name(item), out var first))
                diagnostics.Warning(at(item), $"the {what} '{name(item)}' is defined again; the definition at {first} is used");
            else
            {
                firstByName[name(item)] = at(item);
                into.Add(item);
            }
        }
    }

    // Per list given to AddOnce: each name's first definition, so a domain of many names is not scanned per name.
    private readonly Dictionary<object, Dictionary<string, SourceLocation>> _firstByName = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _intentNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _entityNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _actionNames = new(StringComparer.Ordinal);

    /// <summary>A list item that is either `- name` or `- name: {properties}`.</summary>
    private static (string Name, YamlMappingNode? Properties, YamlNode NameNode)? NamedItem(YamlSource source, YamlNode item, string what)
    {
        if (item is YamlScalarNode)
            return source.String(item, $"the {what} name") is { } name ? (name, null, item) : null;
        if (item is not YamlMappingNode mapping)
        {
            source.Error(item, $"each {what} must be a name or 'name: {{properties}}', found {YamlSource.Describe(item)}");
            return null;
        }
        if (mapping.Children.Count != 1)
        {
            source.Error(item, $"this {what} item has {mapping.Children.Count} keys; indent the properties under the {what} name");
            return null;
        }
        var (keyNode, value) = mapping.Children.First();
        if (source.String(keyNode, $"the {what} name") is not { } key) return null;
        if (YamlSource.IsNull(value)) return (key, null, keyNode);
        return source.Mapping(value, $"the properties of {what} '{key}'") is { } properties ? (key, properties, keyNode) : null;
    }

    private void ReadIntents(YamlSource source, YamlNode node)
    {
        foreach (var item in source.Sequence(node, "'intents'"))
        {
            if (NamedItem(source, item, "intent") is not var (name, properties, nameNode)) continue;
            if (!_intentNames.Add(name)) continue;
            var use = EntityUse.All;
            IReadOnlyList<string> used = [], ignored = [];
            if (properties is not null)
            {
                // is_retrieval_intent is Rasa's own bookkeeping (its trained domain writes it); the NLU data says the same.
                source.WarnUnknownKeys(properties, $"intent '{name}'", "use_entities", "ignore_entities", "is_retrieval_intent");
                var useNode = YamlSource.Get(properties, "use_entities");
                var ignoreNode = YamlSource.Get(properties, "ignore_entities");
                if (useNode is YamlSequenceNode)
                {
                    used = source.Names(useNode, "use_entities");
                    use = used.Count == 0 ? EntityUse.None : EntityUse.Listed;
                }
                else if (useNode is not null)
                    use = source.Bool(useNode, "use_entities", true) ? EntityUse.All : EntityUse.None;
                ignored = source.Names(ignoreNode, "ignore_entities");
                if (ignoreNode is not null && use != EntityUse.All)
                    source.Error(ignoreNode, $"intent '{name}' has both use_entities and ignore_entities; use only one of them");
            }
            _intents.Add(new IntentDefinition(name, use, used, ignored, source.At(nameNode)));
        }
    }

    private void ReadEntities(YamlSource source, YamlNode node)
    {
        foreach (var item in source.Sequence(node, "'entities'"))
        {
            if (NamedItem(source, item, "entity") is not var (name, properties, nameNode)) continue;
            if (!_entityNames.Add(name)) continue;
            IReadOnlyList<string> roles = [], groups = [];
            bool influence = true;
            if (properties is not null)
            {
                source.WarnUnknownKeys(properties, $"entity '{name}'", "roles", "groups", "influence_conversation");
                roles = source.Names(YamlSource.Get(properties, "roles"), "roles");
                groups = source.Names(YamlSource.Get(properties, "groups"), "groups");
                influence = source.Bool(YamlSource.Get(properties, "influence_conversation"), "influence_conversation", true);
            }
            _entities.Add(new EntityDefinition(name, roles, groups, influence, source.At(nameNode)));
        }
    }

    private void ReadActions(YamlSource source, YamlNode node)
    {
        foreach (var item in source.Sequence(node, "'actions'"))
        {
            if (NamedItem(source, item, "action") is not var (name, properties, nameNode)) continue;
            if (!_actionNames.Add(name)) continue;
            bool sendDomain = false;
            if (properties is not null)
            {
                source.WarnUnknownKeys(properties, $"action '{name}'", "send_domain");
                sendDomain = source.Bool(YamlSource.Get(properties, "send_domain"), "send_domain", false);
            }
            _actions.Add(new ActionDefinition(name, sendDomain, source.At(nameNode)));
        }
    }

    private void ReadForms(YamlSource source, YamlNode node)
    {
        var forms = new List<FormDefinition>();
        foreach (var (name, nameNode, value) in source.Entries(node, "'forms'"))
        {
            IReadOnlyList<string> required = [], ignored = [];
            if (!YamlSource.IsNull(value) && source.Mapping(value, $"form '{name}'") is { } properties)
            {
                source.WarnUnknownKeys(properties, $"form '{name}'", "required_slots", "ignored_intents");
                var requiredNode = YamlSource.Get(properties, "required_slots");
                if (requiredNode is YamlMappingNode)
                    source.Error(requiredNode,
                        $"form '{name}' gives required_slots as a mapping (Rasa 2); in Rasa 3 list the slot names and move their mappings to the slots section");
                else
                    required = source.Names(requiredNode, "required_slots");
                ignored = source.Names(YamlSource.Get(properties, "ignored_intents"), "ignored_intents");
            }
            forms.Add(new FormDefinition(name, required, ignored, source.At(nameNode)));
        }
        AddOnce(source, _forms, forms, f => f.Name, f => f.Location, "form");
    }

    private void ReadSession(YamlSource source, YamlNode node)
    {
        if (YamlSource.IsNull(node) || source.Mapping(node, "session_config") is not { } mapping) return;
        source.WarnUnknownKeys(mapping, "session_config", "session_expiration_time", "carry_over_slots_to_new_session");
        var minutesNode = YamlSource.Get(mapping, "session_expiration_time");
        var minutes = source.Number(minutesNode, "session_expiration_time", SessionConfig.Default.SessionExpirationTimeMinutes);
        if (minutes < 0)
        {
            source.Error(minutesNode!, "session_expiration_time must be 0 (never expire) or more minutes");
            minutes = SessionConfig.Default.SessionExpirationTimeMinutes;
        }
        var carry = source.Bool(YamlSource.Get(mapping, "carry_over_slots_to_new_session"), "carry_over_slots_to_new_session", true);
        _session ??= new SessionConfig(minutes, carry);
    }
}
