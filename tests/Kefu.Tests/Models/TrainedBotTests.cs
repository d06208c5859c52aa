using Kefu.Dialogue.Testing;
using Kefu.Models;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Models;

/// <summary>Training the flagship sample for real: NLU and policies in one archive, reused until the project changes.</summary>
public class TrainedBotTests
{
    private static TempProject CopyOfSample()
    {
        var source = Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh");
        var copy = new TempProject("kefu-eco-");
        foreach (var file in Kefu.Models.DialogueComponent.ProjectFiles(source).Append("tests/test_stories.yml"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(copy.PathOf(file))!);
            File.Copy(Path.Combine(source, file), copy.PathOf(file));
        }
        return copy;
    }

    [Fact]
    public void Model_is_reused_until_the_project_changes_and_serves_on_its_own()
    {
        using var sample = CopyOfSample();
        var dir = sample.Dir;
        var log = new List<string>();
        var progress = new Progress(log);

        var first = TrainedBot.LoadOrTrain(dir, null, progress);
        Assert.Contains(log, l => l.StartsWith("training", StringComparison.Ordinal));

        log.Clear();
        var second = TrainedBot.LoadOrTrain(dir, null, progress);
        Assert.Contains(log, l => l.StartsWith("using", StringComparison.Ordinal));
        Assert.Equal(first.Nlu.Parse("我要退货").Intent, second.Nlu.Parse("我要退货").Intent);

        File.AppendAllText(Path.Combine(dir, "data", "nlu.yml"), "\n");
        log.Clear();
        TrainedBot.LoadOrTrain(dir, null, progress);
        Assert.Contains(log, l => l.Contains("project changed", StringComparison.Ordinal));

        // The archive alone (project folder gone) still has its domain and policies.
        using var elsewhere = new TempProject("kefu-eco-archive-");
        var archive = elsewhere.PathOf("model.kefu");
        File.Copy(second.ModelPath, archive);
        Directory.Delete(dir, recursive: true);
        var standalone = TrainedBot.Load(archive);
        Assert.Equal(first.Project.Domain.Intents.Count, standalone.Project.Domain.Intents.Count);
    }

    [Fact]
    public void Sample_test_stories_pass_with_the_trained_nlu()
    {
        using var sample = CopyOfSample();
        var bot = TrainedBot.LoadOrTrain(sample.Dir, null);
        var report = StoryTester.Run(bot.Project.TestStories, bot.Project.Domain, bot.Policies.ToEnsemble(), bot.Nlu);

        Assert.True(report.Stories.Count >= 30);
        Assert.Equal(1.0, report.ActionAccuracy);
        Assert.True(report.IntentAccuracy >= 0.9, $"intent accuracy {report.IntentAccuracy:P1}");
    }

    private sealed class Progress(List<string> log) : IProgress<string>
    {
        public void Report(string value) => log.Add(value);
    }
}
