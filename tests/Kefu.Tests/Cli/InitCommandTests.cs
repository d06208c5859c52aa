using Kefu.Cli.Commands;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

public class InitCommandTests
{
    [Theory]
    [InlineData("ecommerce-zh")]
    [InlineData("banking-en")]
    public void Template_becomes_a_valid_project(string template)
    {
        using var folder = new TempProject("kefu-init-");
        var dir = folder.PathOf("bot");

        Assert.Equal(0, InitCommand.Run(dir, template));

        var project = RasaProject.Load(dir);
        Assert.NotEmpty(project.Domain.Intents);
        Assert.NotEmpty(project.TestStories);
    }

    [Fact]
    public void Refuses_a_folder_that_is_not_empty()
    {
        using var folder = new TempProject("kefu-init-", ("keep.txt", "mine"));
        var dir = folder.Dir;

        Assert.Equal(1, InitCommand.Run(dir, "ecommerce-zh"));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "keep.txt")));
    }
}
