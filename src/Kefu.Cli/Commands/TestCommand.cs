using System.CommandLine;
using System.Text.Json;
using Kefu.Dialogue.Testing;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu test [--project DIR] [--out DIR] [--json]`: story tests from DIR/tests, scored as Rasa scores them; `kefu test core`
/// is the same, named; `kefu test nlu` evaluates the NLU (<see cref="TestNluCommand"/>).
/// </summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var command = CreateStories("test", "Run the project's test stories (tests/test_*.yml) against the trained bot; see also `test core` and `test nlu`");
        command.Subcommands.Add(CreateStories("core", "Run the project's test stories (tests/test_*.yml) against the trained bot"));
        command.Subcommands.Add(TestNluCommand.Create());
        return command;
    }

    static Command CreateStories(string name, string description)
    {
        var project = CommonOptions.Project();
        var model = CommonOptions.Model();
        var outDir = new Option<string?>("--out") { Description = "Write results.json, failed_stories.md, failed_test_stories.yml and story_report.json here" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var command = new Command(name, description) { project, model, outDir, json };
        command.SetAction(parse => CliErrors.Guard(() => Run(parse.GetValue(project)!, parse.GetValue(model), parse.GetValue(outDir), parse.GetValue(json))));
        return command;
    }

    private static int Run(string projectDir, string? modelPath, string? outDir, bool json)
    {
        var bot = BotLoader.LoadOrTrain(projectDir, modelPath, Console.Error);
        if (bot.Project.TestStories.Count == 0)
        {
            Console.Error.WriteLine($"kefu test: no test stories in {Path.Combine(projectDir, "tests")} (files named test_*.yml)");
            return 1;
        }
        var report = StoryTester.Run(bot.Project.TestStories, bot.Project.Domain, bot.Policies.ToEnsemble(), bot.Nlu);
        var summary = new
        {
            story_pass_rate = Math.Round(report.PassRate, 4),
            stories_total = report.Stories.Count,
            stories_failed = report.Failed,
            intent_accuracy = Math.Round(report.IntentAccuracy, 4),
            action_accuracy = Math.Round(report.ActionAccuracy, 4),
        };
        if (outDir is not null) WriteResults(outDir, report, summary);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(summary));
        }
        else
        {
            foreach (var s in report.Stories)
                Console.WriteLine(s.Passed ? $"PASS  {s.Story}" : $"FAIL  {s.Story}\n      {s.FirstFailure}");
            Console.WriteLine();
            Console.WriteLine($"{report.Stories.Count - report.Failed}/{report.Stories.Count} stories passed " +
                $"(pass rate {report.PassRate:P1}); intent accuracy {report.IntentAccuracy:P1}; action accuracy {report.ActionAccuracy:P1}");
        }
        return report.Failed == 0 ? 0 : 1;
    }

    private static void WriteResults(string outDir, StoryTestReport report, object summary)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(new
        {
            summary,
            stories = report.Stories.Select(s => new { story = s.Story, location = s.Location.ToString(), passed = s.Passed, first_failure = s.FirstFailure }),
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.WriteAllLines(Path.Combine(outDir, "failed_stories.md"),
            report.Stories.Where(s => !s.Passed).Select(s => $"- **{s.Story}** ({s.Location}): {s.FirstFailure}"));
        StoryReportFiles.Write(outDir, report);
    }
}
