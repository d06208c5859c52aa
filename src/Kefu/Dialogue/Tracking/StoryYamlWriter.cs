using System.Text.Json;
using Kefu.Data;
using Kefu.Dialogue.Actions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Dialogue.Tracking;

/// <summary>
/// A conversation as Rasa's test stories (GET /conversations/{id}/story): rasa/server.py get_test_stories, which writes
/// each session's tracker.as_story() with YAMLStoryWriter(is_test_story=True). Per applied event:
/// user -> {intent, user: the text with its entities annotated}; action -> {action} (action_listen,
/// action_session_start and action_unlikely_intent left out, as Rasa's _filter_event does); slot -> {slot_was_set:
/// [{name: value}]}; active_loop -> {active_loop: name or null}; every other event is not written, as in Rasa.
/// </summary>
public static class StoryYamlWriter
{
    /// <summary>The stories document; <paramref name="sessions"/>: (story name, that session's events) each.</summary>
    public static string Write(IReadOnlyList<(string Name, IReadOnlyList<DialogueEvent> Events)> sessions)
    {
        var stories = new YamlSequenceNode();
        foreach (var (name, events) in sessions)
        {
            var steps = new YamlSequenceNode();
            foreach (var e in Tracker.Create(name, [], events).AppliedEvents())
                if (Step(e) is { } step) steps.Add(step);
            stories.Add(new YamlMappingNode { { "story", name }, { "steps", steps } });
        }
        var document = new YamlMappingNode
        {
            { "version", new YamlScalarNode("3.1") { Style = ScalarStyle.DoubleQuoted } },
            { "stories", stories },
        };
        var text = new StringWriter();
        new YamlStream(new YamlDocument(document)).Save(text, assignAnchors: false);
        // YamlStream ends a document with "...": a single-document file does not need it.
        var yaml = text.ToString().TrimEnd();
        return (yaml.EndsWith("...", StringComparison.Ordinal) ? yaml[..^3].TrimEnd() : yaml) + "\n";
    }

    /// <summary>
    /// The conversation's sessions, split before each action_session_start as Rasa's
    /// get_trackers_for_all_conversation_sessions splits them; named "ID, story N" when there are several.
    /// </summary>
    public static IReadOnlyList<(string Name, IReadOnlyList<DialogueEvent> Events)> Sessions(string conversationId, IReadOnlyList<DialogueEvent> events)
    {
        var sessions = new List<List<DialogueEvent>>();
        foreach (var e in events)
        {
            if (sessions.Count == 0 || (e is ActionExecuted { Name: ActionNames.SessionStart } && sessions[^1].Count > 0))
                sessions.Add([]);
            sessions[^1].Add(e);
        }
        return sessions.Count == 1
            ? [(conversationId, sessions[0])]
            : [.. sessions.Select((s, i) => (conversationId + ", story " + (i + 1), (IReadOnlyList<DialogueEvent>)s))];
    }

    private static YamlMappingNode? Step(DialogueEvent e) => e switch
    {
        UserUttered u => User(u),
        ActionExecuted { Name: ActionNames.Listen or ActionNames.SessionStart or ActionNames.UnlikelyIntent } => null,
        ActionExecuted a => new YamlMappingNode { { "action", a.Name } },
        SlotSet s => new YamlMappingNode { { "slot_was_set", new YamlSequenceNode(new YamlMappingNode { { s.Name, Value(s.Value) } }) } },
        ActiveLoopSet l => new YamlMappingNode { { "active_loop", l.Name is null ? Null() : new YamlScalarNode(l.Name) } },
        _ => null,
    };

    private static YamlMappingNode User(UserUttered u)
    {
        var step = new YamlMappingNode();
        if (u.Parse?.Intent.Name is { Length: > 0 } intent)
            step.Add("intent", u.Parse.Retrieval?.Name ?? intent);
        // Rasa's format_message: the text with its entities in annotation syntax; the plain text where they cannot be
        // written so (entities without a span in the text, as /intent{"entity": "value"} messages have).
        var annotated = u.Parse is { Entities.Count: > 0 } parse
            ? NluYamlWriter.ExampleLine(new Nlu.NluExample(u.Text, parse.Intent.Name, parse.Entities)).Line
            : null;
        step.Add("user", new YamlScalarNode(annotated ?? u.Text) { Style = ScalarStyle.Literal });
        return step;
    }

    /// <summary>A slot value as YAML: strings, numbers, booleans as scalars; lists and objects as flow JSON (YAML reads JSON).</summary>
    private static YamlNode Value(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null } => Null(),
        { ValueKind: JsonValueKind.String } s => new YamlScalarNode(s.GetString()) { Style = ScalarStyle.DoubleQuoted },
        { ValueKind: JsonValueKind.Array or JsonValueKind.Object } v => new YamlScalarNode(v.GetRawText()) { Style = ScalarStyle.Plain },
        { } v => new YamlScalarNode(v.GetRawText()) { Style = ScalarStyle.Plain },
    };

    private static YamlScalarNode Null() => new("null") { Style = ScalarStyle.Plain };
}
