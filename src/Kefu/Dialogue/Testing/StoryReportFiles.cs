using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Nlu;
using Kefu.Nlu.Evaluation;
using Kefu.Projects;

namespace Kefu.Dialogue.Testing;

/// <summary>
/// Rasa's story-test files: failed_test_stories.yml (each failed story in test-story YAML, with `# predicted: X` after
/// every step the bot got wrong: an action, or an intent as `# predicted: intent: text with the entities found`) and
/// story_report.json (sklearn's classification report of the predicted actions, implicit action_listen included, with
/// Rasa's confused_with). Rasa's story_report.json also mixes in intents and entities; this one scores actions only.
/// </summary>
public static partial class StoryReportFiles
{
    static readonly JsonSerializerOptions JsonText = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string directory, StoryTestReport report)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "failed_test_stories.yml"), FailedStoriesYaml(report));
        var actions = report.Stories.SelectMany(s => s.Lines).OfType<TestedAction>().ToList();
        var classification = ClassificationReport.Compute(actions.Select(a => a.Expected).ToList(), actions.Select(a => a.Predicted).ToList());
        using var stream = File.Create(Path.Combine(directory, "story_report.json"));
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        classification.WriteJson(w);
    }

    public static string FailedStoriesYaml(StoryTestReport report)
    {
        var y = new StringBuilder("version: \"3.1\"\n");
        var failed = report.Stories.Where(s => !s.Passed).ToList();
        if (failed.Count == 0) return y.Append("stories: []\n").ToString();
        y.Append("stories:\n");
        foreach (var story in failed)
        {
            y.Append("- story: ").Append(Quote($"{story.Story} ({story.Location.File})")).Append("\n  steps:\n");
            foreach (var line in story.Lines) Step(y, line);
        }
        return y.ToString();
    }

    static void Step(StringBuilder y, TestedStep line)
    {
        switch (line)
        {
            case TestedAction a when a.Step is null && a.Predicted == a.Expected:
                break; // an implicit action_listen the bot got right stays implicit
            case TestedAction a:
                y.Append("  - action: ").Append(Name(a.Expected));
                if (a.Predicted != a.Expected) y.Append("  # predicted: ").Append(a.Predicted);
                y.Append('\n');
                break;
            case TestedUserTurn u:
                User(y, u);
                break;
            case ReplayedStep { Step: SlotWasSetStep slot }:
                y.Append("  - slot_was_set:\n    - ").Append(Name(slot.Slot));
                if (slot.Value is { } value) y.Append(": ").Append(value.GetRawText());
                y.Append('\n');
                break;
            case ReplayedStep { Step: ActiveLoopStep loop }:
                y.Append("  - active_loop: ").Append(loop.Name is null ? "null" : Name(loop.Name)).Append('\n');
                break;
            case ReplayedStep { Step: CheckpointStep checkpoint }:
                y.Append("  - checkpoint: ").Append(Name(checkpoint.Name)).Append('\n');
                break;
            case ReplayedStep { Step: BotTextStep bot }:
                y.Append("  - bot: ").Append(Quote(bot.Text)).Append('\n');
                break;
        }
    }

    static void User(StringBuilder y, TestedUserTurn turn)
    {
        var u = turn.User;
        string? comment = turn.PredictedIntent is null ? null
            : $"  # predicted: {turn.PredictedIntent}: {Annotated(u.Text ?? "", turn.PredictedEntities ?? u.Annotations)}";
        if (u.Text is { Length: > 0 } text)
        {
            y.Append("  - user: ").Append(Quote(Annotated(text, u.Annotations))).Append('\n');
            if (u.Intent is not null) y.Append("    intent: ").Append(Name(u.Intent)).Append(comment).Append('\n');
            return;
        }
        y.Append("  - intent: ").Append(Name(u.Intent ?? "")).Append(comment).Append('\n');
        if (u.Entities.Count == 0) return;
        y.Append("    entities:\n");
        foreach (var e in u.Entities)
            y.Append("    - ").Append(Name(e.Entity)).Append(e.Value is null ? "" : ": " + Quote(e.Value)).Append('\n');
    }

    /// <summary>The text with Rasa's entity markup: [surface]{"entity": "type", "value": "canonical"} (value only when it differs).</summary>
    static string Annotated(string text, IReadOnlyList<EntitySpan> entities)
    {
        var s = new StringBuilder();
        int at = 0;
        foreach (var e in entities.OrderBy(e => e.Start))
        {
            if (e.Start < at || e.End > text.Length || e.Start >= e.End) continue;
            string surface = text[e.Start..e.End];
            s.Append(text, at, e.Start - at).Append('[').Append(surface).Append("]{\"entity\": ").Append(JsonSerializer.Serialize(e.Entity, JsonText));
            if (e.Value != surface) s.Append(", \"value\": ").Append(JsonSerializer.Serialize(e.Value, JsonText));
            if (e.Role is not null) s.Append(", \"role\": ").Append(JsonSerializer.Serialize(e.Role, JsonText));
            if (e.Group is not null) s.Append(", \"group\": ").Append(JsonSerializer.Serialize(e.Group, JsonText));
            s.Append('}');
            at = e.End;
        }
        return s.Append(text, at, text.Length - at).ToString();
    }

    /// <summary>A JSON string is a valid YAML double-quoted scalar.</summary>
    static string Quote(string text) => JsonSerializer.Serialize(text, JsonText);

    static string Name(string name) =>
        PlainName().IsMatch(name) && name.ToLowerInvariant() is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off") ? name : Quote(name);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainName();
}
