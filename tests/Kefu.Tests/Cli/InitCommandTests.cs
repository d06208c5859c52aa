using Kefu.Cli.Commands;
using Kefu.Projects;

namespace Kefu.Tests.Cli;

public class InitCommandTests
{
    [Theory]
    [InlineData("ecommerce-zh")]
    [InlineData("banking-en")]
    public void Template_becomes_a_valid_project(string template)
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("kefu-init-").FullName, "bot");

        Assert.Equal(0, InitCommand.Run(dir, template));

        var project = RasaProject.Load(dir);
        Assert.NotEmpty(project.Domain.Intents);
        Assert.NotEmpty(project.TestStories);
    }

    [Fact]
    public void Refuses_a_folder_that_is_not_empty()
    {
        var dir = Directory.CreateTempSubdirectory("kefu-init-").FullName;
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "mine");

        Assert.Equal(1, InitCommand.Run(dir, "ecommerce-zh"));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "keep.txt")));
    }
}
