using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>Mistakes in what a command is given end in one line and exit 1, whichever command meets them (Program.cs).</summary>
public class CliErrorsTests
{
    [Fact]
    public async Task A_damaged_file_a_folder_for_a_file_and_a_file_for_a_folder_are_one_line_each()
    {
        using var temp = new TempProject("kefu-cli-errors-", ("garbage.db", "not a database, just text that is long enough to fill a SQLite header page"));
        Directory.CreateDirectory(temp.PathOf("folder"));

        var graph = await RetrainProcessTests.Run("kb", "import", "--crosswoz", temp.PathOf("folder"), "--graph", temp.PathOf("garbage.db"));
        var folder = await RetrainProcessTests.Run("bench", "crosswoz", "--train", temp.PathOf("folder"), "--test", temp.PathOf("folder"));
        var file = await RetrainProcessTests.Run("init", temp.PathOf("garbage.db"));
        // a host name would have Kestrel listen on every interface
        var host = await RetrainProcessTests.Run("run", "actions", "--project", Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh"), "--host", "notahost");

        foreach (var (code, _, error) in new[] { graph, folder, file, host })
        {
            Assert.Equal(1, code);
            Assert.StartsWith("kefu", error.TrimStart());
            Assert.DoesNotContain("   at ", error);
            Assert.DoesNotContain("Unhandled exception", error);
        }
    }
}
