using System.Text.Json;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Testing;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>`kefu test` writes Rasa's failed_test_stories.yml and story_report.json beside its own files.</summary>
public class StoryReportFilesTests
{
    /// <summary>Hears every message as greet.</summary>
    private sealed class GreetNlu : IMessageParser
    {
        public NluParse Parse(string text) => new(text, new IntentPrediction("greet", 0.9f), [new IntentPrediction("greet", 0.9f)], []);
    }

    [Fact]
    public void Failed_stories_carry_predicted_comments_and_read_back_as_test_stories()
    {
        using var folder = new TempProject("kefu-story-files-",
            ("domain.yml", TinyShop.Domain), ("config.yml", TinyShop.Config), ("data/rules.yml", TinyShop.Rules),
            ("tests/test_stories.yml", """
                version: "3.1"
                stories:
                  - story: greeting
                    steps:
                      - user: 你好
                        intent: greet
                      - action: utter_greet
                      - user: 您好
                        intent: greet
                      - action: utter_greet
                  - story: goodbye heard as a greeting
                    steps:
                      - user: 再见
                        intent: goodbye
                      - action: utter_goodbye
                  - story: wrong action expected
                    steps:
                      - intent: greet
                      - action: utter_goodbye
                """));
        var project = RasaProject.Load(folder.Dir);
        var report = StoryTester.Run(project.TestStories, project.Domain, PolicyModel.Train(project).ToEnsemble(), new GreetNlu());
        Assert.Equal(2, report.Failed);

        string output = Path.Combine(folder.Dir, "results");
        StoryReportFiles.Write(output, report);
        string yaml = File.ReadAllText(Path.Combine(output, "failed_test_stories.yml"));
        Assert.DoesNotContain("story: \"greeting", yaml);
        Assert.Contains("    intent: goodbye  # predicted: greet: 再见\n", yaml);
        Assert.Contains("  - action: utter_goodbye  # predicted: utter_greet\n", yaml);

        // The file is test-story YAML: a project reads it back with the same stories and steps.
        File.WriteAllText(Path.Combine(folder.Dir, "tests", "test_stories.yml"), yaml);
        var again = RasaProject.Load(folder.Dir).TestStories;
        Assert.Equal(["goodbye heard as a greeting", "wrong action expected"], again.Select(s => s.Name[..s.Name.IndexOf(" (", StringComparison.Ordinal)]));
        Assert.Equal(project.TestStories.Skip(1).Select(s => s.Steps.Count), again.Select(s => s.Steps.Count));

        // story_report.json: sklearn's report over every predicted action, action_listen included.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "story_report.json")));
        var root = json.RootElement;
        int actions = report.Stories.Sum(s => s.Actions);
        Assert.Equal(actions, root.GetProperty("weighted avg").GetProperty("support").GetInt32());
        Assert.Equal(report.ActionAccuracy, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(1, root.GetProperty("utter_goodbye").GetProperty("confused_with").GetProperty("utter_greet").GetInt32());
        Assert.Equal(1, root.GetProperty("action_listen").GetProperty("support").GetInt32()); // implicit, before the second 您好
    }
}
