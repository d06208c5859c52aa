using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Testing;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Training;

namespace Kefu.Tests.Dialogue;

/// <summary>The sample bots' test stories against the trained policies: with the story's own intents (no NLU), and
/// for the flagship also with its trained NLU, as `kefu test` runs them.</summary>
public class SampleStoryTests
{
    [Theory]
    [InlineData("ecommerce-zh")]
    [InlineData("banking-en")]
    public void Policies_pass_every_test_story_of_the_sample(string sample)
    {
        var project = RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", sample));
        var policies = PolicyModel.Train(project).ToEnsemble();

        var report = StoryTester.Run(project.TestStories, project.Domain, policies, nlu: null);

        Assert.True(project.TestStories.Count >= 10);
        Assert.True(report.Failed == 0, string.Join("\n", report.Stories.Where(s => !s.Passed).Select(s => $"{s.Story}: {s.FirstFailure}")));
    }

    [Fact]
    public void The_flagship_passes_every_test_story_with_its_trained_nlu()
    {
        var project = RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh"));
        var nlu = NluTrainer.Train(project.Nlu, ProjectTrainer.NluConfigFor(project));
        var policies = PolicyModel.Train(project).ToEnsemble();

        var report = StoryTester.Run(project.TestStories, project.Domain, policies, nlu);

        Assert.True(project.TestStories.Count >= 30);
        Assert.True(report.Failed == 0, string.Join("\n", report.Stories.Where(s => !s.Passed).Select(s => $"{s.Story}: {s.FirstFailure}")));
    }
}
