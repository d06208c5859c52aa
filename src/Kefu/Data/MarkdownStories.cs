using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Projects.Yaml;

namespace Kefu.Data;

/// <summary>
/// Rasa 2's Markdown stories (rasa/shared/core/training_data/story_reader/markdown_story_reader.py), read into
/// Kefu's story records and written as Rasa 3 YAML:
/// <code>
/// ## story name                    a story
/// > checkpoint_name                a checkpoint (before the first step: where the story starts; after: where it ends)
/// * intent{"entity": "value"}      a user turn with entities;  * intent: some text   an end-to-end turn (test stories)
/// * affirm OR thankyou             any one of the intents
///   - action_name                  a bot action
///   - slot{"slot": "value"}        slot_was_set
///   - form{"name": "f"}            active_loop: f (also active_loop{...}; {"name": null} ends it)
/// </code>
/// Markdown rules (`>> rule`) are not converted: an error says to write them in YAML.
/// </summary>
public static partial class MarkdownStories
{
    public static (IReadOnlyList<Story> Stories, IReadOnlyList<Diagnostic> Diagnostics) Read(string path)
    {
        try
        {
            return Parse(Kefu.Nlu.Data.NluDataReader.ReadText(path), path); // not File.ReadAllText: it turns bytes that are not UTF-8 into U+FFFD
        }
        catch (Kefu.Nlu.Data.NluDataException e)
        {
            return ([], [new Diagnostic(Severity.Error, new SourceLocation(path, e.Line, 1), e.Reason)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], [new Diagnostic(Severity.Error, new SourceLocation(path, 1, 1), $"cannot read the file: {e.Message}")]);
        }
    }

    public static (IReadOnlyList<Story> Stories, IReadOnlyList<Diagnostic> Diagnostics) Parse(string text, string file)
    {
        var diagnostics = new List<Diagnostic>();
        var stories = new List<Story>();
        string? name = null;
        SourceLocation storyAt = default;
        var steps = new List<StoryStep>();
        void Flush()
        {
            if (name is not null)
            {
                if (steps.Count == 0) diagnostics.Add(new(Severity.Warning, storyAt, $"story '{Snippets.Quote(name)}' has no steps and is left out"));
                else stories.Add(new Story(name, [.. steps], storyAt));
            }
            steps.Clear();
        }

        var lines = MarkdownNlu.StripComments(text).Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string raw = lines[n].TrimEnd('\r');
            string line = raw.Trim();
            if (line.Length == 0) continue;
            var at = new SourceLocation(file, n + 1, raw.Length - raw.TrimStart().Length + 1);
            if (line.StartsWith(">>", StringComparison.Ordinal))
            {
                diagnostics.Add(new(Severity.Error, at, "Markdown rules ('>> rule') are not converted; write the rule in YAML under 'rules:' (see docs/data.md)"));
                name = null;
                continue;
            }
            if (line.StartsWith("##", StringComparison.Ordinal))
            {
                Flush();
                name = line.TrimStart('#').Trim();
                storyAt = at;
                if (name.Length == 0) diagnostics.Add(new(Severity.Error, at, "a story header needs a name: '## story name'"));
                if (name.Length == 0) name = null;
                continue;
            }
            if (name is null)
            {
                diagnostics.Add(new(Severity.Error, at, $"'{Snippets.Quote(line)}' is not inside a story; start one with '## story name'"));
                continue;
            }
            if (line.StartsWith('>'))
            {
                string checkpoint = line[1..].Trim();
                if (checkpoint.Length == 0) diagnostics.Add(new(Severity.Error, at, "a checkpoint needs a name: '> name'"));
                else steps.Add(new CheckpointStep(checkpoint, at));
            }
            else if (line.StartsWith('*'))
            {
                if (User(line[1..].Trim(), at, diagnostics) is { } user) steps.Add(user);
            }
            else if (line.StartsWith('-'))
                steps.AddRange(Event(line[1..].Trim(), at, diagnostics));
            else
                diagnostics.Add(new(Severity.Error, at, $"'{Snippets.Quote(line)}' is not a story line; user turns start with '* ', bot actions with '- ', checkpoints with '> '"));
        }
        Flush();
        return (stories, diagnostics);
    }

    private static StoryStep? User(string body, SourceLocation at, List<Diagnostic> diagnostics)
    {
        var parts = OrSplit().Split(body);
        if (parts.Length > 1)
        {
            var alternatives = parts.Select(p => User(p.Trim(), at, diagnostics)).ToList();
            return alternatives.All(a => a is not null) ? new OrStep(alternatives!, at) : null;
        }
        if (UserTurn().Match(body) is not { Success: true } m)
        {
            diagnostics.Add(new(Severity.Error, at, $"'* {Snippets.Quote(body)}' is not a user turn; write '* intent', '* intent{{\"entity\": \"value\"}}' or '* intent: text'"));
            return null;
        }
        string intent = m.Groups["intent"].Value;
        var entities = new List<StepEntity>();
        if (m.Groups["json"].Success)
        {
            if (JsonObject(m.Groups["json"].Value, at, diagnostics, "the entities") is not { } json) return null;
            foreach (var p in json.EnumerateObject())
                entities.Add(new StepEntity(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText(), null, null));
        }
        string? text = null;
        IReadOnlyList<EntitySpan> annotations = [];
        if (m.Groups["text"].Success)
        {
            var parsed = EntityAnnotations.Parse(m.Groups["text"].Value.Trim());
            foreach (var problem in parsed.Problems) diagnostics.Add(new(problem.Severity, at, problem.Message));
            if (parsed.HasErrors) return null;
            (text, annotations) = (parsed.Text, parsed.Entities);
            if (entities.Count == 0) entities = [.. annotations.Select(a => new StepEntity(a.Entity, a.Value, a.Role, a.Group))];
        }
        return new UserStep(intent, entities, text, annotations, at);
    }

    private static IEnumerable<StoryStep> Event(string body, SourceLocation at, List<Diagnostic> diagnostics)
    {
        if (EventCall().Match(body) is not { Success: true } m)
        {
            diagnostics.Add(new(Severity.Error, at, $"'- {Snippets.Quote(body)}' is not an action; write '- action_name', '- slot{{\"name\": value}}' or '- form{{\"name\": \"form\"}}'"));
            return [];
        }
        string name = m.Groups["name"].Value;
        if (!m.Groups["json"].Success) return [new ActionStep(name, at)];
        if (JsonObject(m.Groups["json"].Value, at, diagnostics, $"'{name}'") is not { } json) return [];
        switch (name)
        {
            case "slot":
                return json.EnumerateObject().Select(p => new SlotWasSetStep(p.Name, p.Value.Clone(), at)).ToList();
            case "form" or "active_loop":
                if (json.TryGetProperty("name", out var loop) && loop.ValueKind is JsonValueKind.String or JsonValueKind.Null)
                    return [new ActiveLoopStep(loop.ValueKind == JsonValueKind.String ? loop.GetString() : null, at)];
                diagnostics.Add(new(Severity.Error, at, $"'{name}{{...}}' needs \"name\": the form's name, or null when it ends"));
                return [];
            default:
                diagnostics.Add(new(Severity.Error, at, $"the event '{Snippets.Quote(name)}{{...}}' has no Rasa 3 story step; only slot{{..}}, form{{..}} and active_loop{{..}} carry arguments"));
                return [];
        }
    }

    private static JsonElement? JsonObject(string json, SourceLocation at, List<Diagnostic> diagnostics, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            diagnostics.Add(new(Severity.Error, at, $"{what}: invalid JSON {Snippets.Quote(json)}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}"));
            return null;
        }
        diagnostics.Add(new(Severity.Error, at, $"{what}: expected a JSON object {{\"name\": value}}, found {Snippets.Quote(json)}"));
        return null;
    }

    [GeneratedRegex(@"\s+OR\s+")]
    private static partial Regex OrSplit();

    [GeneratedRegex(@"^(?<intent>[^\s{:]+)\s*(?<json>\{.*\})?\s*(:\s*(?<text>.+))?$")]
    private static partial Regex UserTurn();

    [GeneratedRegex(@"^(?<name>[^\s{]+)\s*(?<json>\{.*\})?$")]
    private static partial Regex EventCall();

    /// <summary>
    /// Stories as Rasa 3 YAML (`stories:`), checked by reading them back with the project's story reader: an error
    /// there means nothing is written.
    /// </summary>
    public static (string Yaml, IReadOnlyList<Diagnostic> Problems) WriteYaml(IReadOnlyList<Story> stories)
    {
        var yaml = new StringBuilder($"version: \"{NluYamlWriter.Version}\"\n\nstories:\n");
        foreach (var story in stories)
        {
            yaml.Append("- story: ").AppendLine(NluYamlWriter.Scalar(story.Name)).AppendLine("  steps:");
            foreach (var step in story.Steps) Step(yaml, step, "  ");
        }
        string text = yaml.ToString();
        var bag = new DiagnosticBag();
        var source = YamlSource.Parse(text, "(converted stories)", bag, ProjectLimits.Default);
        if (source.Root is { } root && source.Mapping(root, "stories") is { } mapping && YamlSource.Get(mapping, "stories") is { } node)
            StoryReader.ReadStories(source, node);
        return (text, bag.Sorted().Where(d => d.Severity == Severity.Error).ToList());
    }

    private static void Step(StringBuilder yaml, StoryStep step, string indent)
    {
        switch (step)
        {
            case UserStep user:
                yaml.Append(indent).Append("- intent: ").AppendLine(NluYamlWriter.Scalar(user.Intent ?? ""));
                if (user.Text is not null)
                {
                    string annotated = user.Annotations.Count == 0 ? user.Text
                        : NluYamlWriter.ExampleLine(new NluExample(user.Text, user.Intent ?? "", user.Annotations)).Line ?? user.Text;
                    yaml.Append(indent).Append("  user: ").AppendLine(JsonSerializer.Serialize(annotated, Relaxed));
                }
                else if (user.Entities.Count > 0)
                {
                    yaml.Append(indent).AppendLine("  entities:");
                    foreach (var e in user.Entities)
                        yaml.Append(indent).Append("  - ").AppendLine(e.Value is null ? NluYamlWriter.Scalar(e.Entity)
                            : $"{NluYamlWriter.Scalar(e.Entity)}: {JsonSerializer.Serialize(e.Value, Relaxed)}");
                }
                break;
            case ActionStep action:
                yaml.Append(indent).Append("- action: ").AppendLine(NluYamlWriter.Scalar(action.Action));
                break;
            case SlotWasSetStep slot:
                yaml.Append(indent).AppendLine("- slot_was_set:").Append(indent).Append("  - ").Append(NluYamlWriter.Scalar(slot.Slot))
                    .Append(": ").AppendLine(slot.Value is { } value ? JsonSerializer.Serialize(value, Relaxed) : "null");
                break;
            case ActiveLoopStep loop:
                yaml.Append(indent).Append("- active_loop: ").AppendLine(loop.Name is null ? "null" : NluYamlWriter.Scalar(loop.Name));
                break;
            case CheckpointStep checkpoint:
                yaml.Append(indent).Append("- checkpoint: ").AppendLine(NluYamlWriter.Scalar(checkpoint.Name));
                break;
            case OrStep or:
                yaml.Append(indent).AppendLine("- or:");
                foreach (var alternative in or.Alternatives) Step(yaml, alternative, indent + "  ");
                break;
        }
    }

    private static readonly JsonSerializerOptions Relaxed =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
