using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Testing;
using Kefu.Projects;

namespace Kefu.Tests.Dialogue;

public class PolicyModelTests
{
    [Fact]
    public void Serialized_policies_predict_exactly_as_the_trained_ones()
    {
        var project = RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh"));
        var trained = PolicyModel.Train(project);

        var bytes = PolicyModelJson.Serialize(trained);
        var loaded = PolicyModelJson.Deserialize(bytes);

        Assert.Equal(bytes, PolicyModelJson.Serialize(loaded));
        var before = StoryTester.Run(project.TestStories, project.Domain, trained.ToEnsemble(), null);
        var after = StoryTester.Run(project.TestStories, project.Domain, loaded.ToEnsemble(), null);
        Assert.Equal(before.Stories.Select(s => s.ActionsCorrect), after.Stories.Select(s => s.ActionsCorrect));
        Assert.Equal(0, after.Failed);
    }

    [Fact]
    public void Training_twice_gives_the_same_bytes()
    {
        var project = RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", "banking-en"));
        Assert.Equal(PolicyModelJson.Serialize(PolicyModel.Train(project)), PolicyModelJson.Serialize(PolicyModel.Train(project)));
    }
}
