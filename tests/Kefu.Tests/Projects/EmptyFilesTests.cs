using System.CommandLine;
using Kefu.Cli.Commands;

namespace Kefu.Tests.Projects;

/// <summary>Empty files: validation says what training then does, and training never fails with something worse.</summary>
public class EmptyFilesTests
{
    private const string TwoIntents = "nlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi\n- intent: bye\n  examples: |\n    - bye\n";

    private static (int Code, string Output) Run(string command, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var root = new RootCommand { DataCommands.Create(), TrainCommand.Create() };
        int code = root.Parse([.. command.Split(' '), .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output + error.ToString());
    }

    public static TheoryData<string, string, bool> Projects() => new()
    {
        // the file left empty, the warning validation gives, whether training succeeds
        { "config.yml", "config.yml:1:1: warning: config.yml is empty; Kefu's default pipeline and policies are used", true },
        { "domain.yml", "domain.yml:1:1: warning: the domain file is empty", true },
        { "data/nlu.yml", "data:1:1: warning: the project has no NLU examples; kefu train", false },
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public void Validation_warns_and_training_does_what_it_said(string emptyFile, string warning, bool trains)
    {
        using var temp = new TempProject("kefu-empty-", ("domain.yml", "intents: [greet, bye]\n"), ("config.yml", "language: en\n"), ("data/nlu.yml", TwoIntents));
        temp.Write(emptyFile, "");
        var (validated, report) = Run("data validate", temp.Dir);
        Assert.Equal(0, validated);
        Assert.Contains(Path.Combine(temp.Dir, warning), report);

        var (trained, log) = Run("train --project", temp.Dir, "--out", temp.PathOf("model.kefu"));
        Assert.Equal(trains ? 0 : 1, trained);
        Assert.Equal(trains, File.Exists(temp.PathOf("model.kefu")));
        if (!trains)
            Assert.Contains(Path.Combine(temp.Dir, "data") + ":1:1: error: the project has no NLU examples", log);
        Assert.DoesNotContain("   at ", log); // no stack trace
    }
}
