using System.CommandLine;
using Kefu.Cli.Commands;

namespace Kefu.Tests.Projects;

public class DataValidateCommandTests
{
    private static (int ExitCode, string Output) Validate(string dir)
    {
        var root = new RootCommand { DataCommands.Create() };
        var output = new StringWriter();
        int code = root.Parse(["data", "validate", dir]).Invoke(new InvocationConfiguration { Output = output });
        return (code, output.ToString());
    }

    [Fact]
    public void A_valid_project_exits_zero_with_a_summary()
    {
        using var temp = TempProject.Valid();
        var (code, output) = Validate(temp.Dir);
        Assert.Equal(0, code);
        Assert.Contains("valid (5 intents, 8 examples, 2 stories, 2 rules, 1 test story); 4 warnings", output); // CountVectorsFeaturizer's 3 options and constrain_similarities are not honoured
    }

    [Fact]
    public void Errors_are_printed_as_file_line_column_and_exit_one()
    {
        using var temp = TempProject.Valid(("data/bad.yml", "stories:\n- story: s\n  steps:\n  - intent: refund\n  - action: utter_nope\n"));
        var (code, output) = Validate(temp.Dir);
        Assert.Equal(1, code);
        string file = Path.Combine(Path.GetFullPath(temp.Dir), "data", "bad.yml");
        Assert.Contains($"{file}:4:13: error: story 's' uses the intent 'refund'", output);
        Assert.Contains($"{file}:5:13: error: story 's' uses the response 'utter_nope'", output);
        Assert.Contains(": 2 errors, 4 warnings", output);
    }
}
