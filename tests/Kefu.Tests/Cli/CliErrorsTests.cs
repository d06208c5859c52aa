using System.Diagnostics;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>
/// Mistakes in what a command is given end in one line and exit 1, whichever command meets them; a command line that
/// does not parse exits 2 (Program.cs).
/// </summary>
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

    [Fact]
    public async Task Usage_errors_exit_two_and_help_still_exits_zero()
    {
        using var temp = new TempProject("kefu-cli-usage-");
        var unknownOption = await RetrainProcessTests.Run("data", "validate", temp.Dir, "--no-such-option");
        var missingRequired = await RetrainProcessTests.Run("nlu", "bench", "--train", temp.PathOf("train.csv"));
        var unparsable = await RetrainProcessTests.Run("kb", "query", "--project", temp.Dir, "--k", "three", "question");
        var unknownCommand = await RetrainProcessTests.Run("no-such-command");
        var noCommand = await RetrainProcessTests.Run();
        foreach (var (code, _, error) in new[] { unknownOption, missingRequired, unparsable, unknownCommand, noCommand })
        {
            Assert.True(code == 2, error);
            Assert.DoesNotContain("   at ", error);
        }
        Assert.Contains("--no-such-option", unknownOption.Err);
        Assert.Contains("--test", missingRequired.Err);
        Assert.Contains("three", unparsable.Err);

        Assert.Equal(0, (await RetrainProcessTests.Run("data", "validate", "--help", "--no-such-option")).Code);

        // the same value from the option's environment variable
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "serve", "--project", temp.Dir])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["KEFU_PORT"] = "http";
        using var serve = Process.Start(start)!;
        var stderr = serve.StandardError.ReadToEndAsync();
        await serve.StandardOutput.ReadToEndAsync();
        await serve.WaitForExitAsync();
        Assert.Equal(2, serve.ExitCode);
        Assert.StartsWith("kefu: KEFU_PORT=http:", await stderr);
    }
}
