using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>Reads `stories:` and `rules:` sections (data files and test files share the format).</summary>
internal static class StoryReader
{
    private const string StepKinds = "intent, user, action, bot, active_loop, slot_was_set, checkpoint and 'or'";

    public static List<Story> ReadStories(YamlSource source, YamlNode node)
    {
        var stories = new List<Story>();
        foreach (var item in source.Sequence(node, "'stories'"))
        {
            if (source.Mapping(item, "a story") is not { } m) continue;
            source.WarnUnknownKeys(m, "a story", "story", "steps", "metadata");
            if (Name(source, m, item, "story") is not { } name) continue;
            stories.Add(new Story(name, Steps(source, m, item, $"story '{name}'"), source.At(item)));
        }
        return stories;
    }

    public static List<Rule> ReadRules(YamlSource source, YamlNode node)
    {
        var rules = new List<Rule>();
        foreach (var item in source.Sequence(node, "'rules'"))
        {
            if (source.Mapping(item, "a rule") is not { } m) continue;
            source.WarnUnknownKeys(m, "a rule", "rule", "condition", "steps", "conversation_start", "wait_for_user_input", "metadata");
            if (Name(source, m, item, "rule") is not { } name) continue;
            string owner = $"rule '{name}'";
            var condition = new List<StoryStep>();
            if (YamlSource.Get(m, "condition") is { } conditionNode)
                foreach (var stepNode in source.Sequence(conditionNode, $"the condition of {owner}"))
                    foreach (var step in ReadStep(source, stepNode, owner))
                        if (step is ActiveLoopStep or SlotWasSetStep) condition.Add(step);
                        else source.Diagnostics.Error(step.Location, $"the condition of {owner} may only hold active_loop and slot_was_set steps");
            rules.Add(new Rule(name, condition, Steps(source, m, item, owner),
                source.Bool(YamlSource.Get(m, "conversation_start"), "conversation_start", false),
                source.Bool(YamlSource.Get(m, "wait_for_user_input"), "wait_for_user_input", true),
                source.At(item)));
        }
        return rules;
    }

    private static string? Name(YamlSource source, YamlMappingNode m, YamlNode item, string kind)
    {
        if (YamlSource.Get(m, kind) is { } nameNode) return source.String(nameNode, $"the {kind} name");
        source.Error(item, $"this {kind} has no name; start it with '- {kind}: a name'");
        return null;
    }

    private static List<StoryStep> Steps(YamlSource source, YamlMappingNode m, YamlNode item, string owner)
    {
        if (YamlSource.Get(m, "steps") is not { } stepsNode)
        {
            source.Error(item, $"{owner} has no 'steps:'");
            return [];
        }
        return source.Sequence(stepsNode, $"the steps of {owner}").SelectMany(s => ReadStep(source, s, owner)).ToList();
    }

    private static IEnumerable<StoryStep> ReadStep(YamlSource source, YamlNode node, string owner)
    {
        if (source.Mapping(node, $"a step of {owner}") is not { } m) return [];
        var at = source.At(node);
        if (YamlSource.Get(m, "intent") is not null || YamlSource.Get(m, "user") is not null)
            return ReadUser(source, m, node, owner) is { } user ? [user] : [];
        if (YamlSource.Get(m, "action") is { } action)
        {
            source.WarnUnknownKeys(m, $"an action step of {owner}", "action", "metadata");
            return source.String(action, "the action name") is { } name ? [new ActionStep(name, source.At(action))] : [];
        }
        if (YamlSource.Get(m, "bot") is { } bot)
        {
            source.WarnUnknownKeys(m, $"a bot step of {owner}", "bot", "metadata");
            return source.String(bot, "the bot text") is { } text ? [new BotTextStep(text, source.At(bot))] : [];
        }
        if (YamlSource.Get(m, "active_loop") is { } loop)
        {
            source.WarnUnknownKeys(m, $"an active_loop step of {owner}", "active_loop", "metadata");
            return [new ActiveLoopStep(source.OptionalString(loop, "active_loop"), source.At(loop))];
        }
        if (YamlSource.Get(m, "slot_was_set") is { } slots)
        {
            source.WarnUnknownKeys(m, $"a slot_was_set step of {owner}", "slot_was_set", "metadata");
            return ReadSlotWasSet(source, slots, owner);
        }
        if (YamlSource.Get(m, "checkpoint") is { } checkpoint)
        {
            source.WarnUnknownKeys(m, $"a checkpoint of {owner}", "checkpoint", "metadata");
            return source.String(checkpoint, "the checkpoint name") is { } name ? [new CheckpointStep(name, source.At(checkpoint))] : [];
        }
        if (YamlSource.Get(m, "or") is { } or)
        {
            var alternatives = new List<StoryStep>();
            foreach (var alternative in source.Sequence(or, $"an 'or' of {owner}"))
                foreach (var step in ReadStep(source, alternative, owner))
                    if (step is UserStep or SlotWasSetStep) alternatives.Add(step);
                    else source.Diagnostics.Error(step.Location, $"an 'or' step of {owner} may only hold intent and slot_was_set alternatives");
            return [new OrStep(alternatives, at)];
        }
        source.Error(node, $"a step of {owner} has none of the keys {StepKinds}");
        return [];
    }

    private static List<StoryStep> ReadSlotWasSet(YamlSource source, YamlNode node, string owner)
    {
        var steps = new List<StoryStep>();
        foreach (var item in source.Sequence(node, $"slot_was_set of {owner}"))
        {
            if (item is YamlScalarNode)
            {
                if (source.String(item, "the slot name") is { } slot) steps.Add(new SlotWasSetStep(slot, null, source.At(item)));
                continue;
            }
            foreach (var (slot, keyNode, value) in source.Entries(item, $"slot_was_set of {owner}"))
                steps.Add(new SlotWasSetStep(slot, source.ToJson(value), source.At(keyNode)));
        }
        return steps;
    }

    private static UserStep? ReadUser(YamlSource source, YamlMappingNode m, YamlNode node, string owner)
    {
        source.WarnUnknownKeys(m, $"a user step of {owner}", "intent", "user", "entities", "metadata");
        var intentNode = YamlSource.Get(m, "intent");
        string? intent = intentNode is null ? null : source.String(intentNode, "the intent name");
        if (intentNode is not null && intent is null) return null;
        if (intent is ['/', .. var bare])
        {
            source.Warning(intentNode!, $"the intent '{intent}' starts with '/', which is not needed; it is read as '{bare}'");
            intent = bare;
        }
        var location = source.At(intentNode ?? node);

        string? text = null;
        IReadOnlyList<Kefu.Nlu.EntitySpan> annotations = [];
        var userNode = YamlSource.Get(m, "user");
        if (userNode is not null)
        {
            if (source.String(userNode, "the user text") is not { } raw) return null;
            var scalar = (YamlScalarNode)userNode;
            int lead = raw.Length - raw.TrimStart().Length;
            var parsed = EntityAnnotations.Parse(raw.Trim());
            foreach (var problem in parsed.Problems)
            {
                var where = source.PositionIn(scalar, lead + problem.Offset);
                if (problem.Severity == Severity.Error) source.Diagnostics.Error(where, problem.Message);
                else source.Diagnostics.Warning(where, problem.Message);
            }
            if (parsed.HasErrors) return null;
            (text, annotations) = (parsed.Text, parsed.Entities);
        }

        var entitiesNode = YamlSource.Get(m, "entities");
        var entities = entitiesNode is null
            ? annotations.Select(a => new StepEntity(a.Entity, a.Value, a.Role, a.Group)).ToList()
            : ReadEntities(source, entitiesNode, owner, text);
        return new UserStep(intent, entities, text, annotations, location);
    }

    /// <summary>`entities:` items as Rasa writes them: `- order_id` (any value) or `- city: 北京` with optional `role:` and `group:` keys.</summary>
    private static List<StepEntity> ReadEntities(YamlSource source, YamlNode node, string owner, string? text)
    {
        var entities = new List<StepEntity>();
        foreach (var item in source.Sequence(node, $"the entities of a step of {owner}"))
        {
            StepEntity? entity = null;
            if (item is YamlScalarNode)
                entity = source.String(item, "the entity name") is { } name ? new StepEntity(name, null, null, null) : null;
            else if (source.Mapping(item, "an entity") is { } e)
            {
                var named = e.Children.Where(c => c.Key is YamlScalarNode { Value: not ("role" or "group") }).ToList();
                if (named.Count == 1 && named[0].Key is YamlScalarNode { Value: { } name })
                    entity = new StepEntity(name, ScalarText(named[0].Value),
                        source.OptionalString(YamlSource.Get(e, "role"), "role"),
                        source.OptionalString(YamlSource.Get(e, "group"), "group"));
                else
                    source.Error(item, "an entity of a story step must be '- name' or '- name: value', optionally with 'role:' and 'group:'");
            }
            if (entity is null) continue;
            if (text is not null && entity.Value is { } value && !text.Contains(value, StringComparison.Ordinal))
            {
                source.Error(item, $"the entity '{entity.Entity}' has the value '{Snippets.Quote(value)}', which is not in the user text '{Snippets.Quote(text)}'; annotate it in the text instead");
                continue;
            }
            entities.Add(entity);
        }
        return entities;
    }

    private static string? ScalarText(YamlNode? node) =>
        node is YamlScalarNode { Value: var v } && !YamlSource.IsNull(node) ? v : null;
}
