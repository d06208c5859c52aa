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
    public void A_knowledge_yml_encoder_that_does_not_exist_is_an_error_at_its_line()
    {
        using var temp = TempProject.Valid(("knowledge.yml", "# the FAQ, ranked by BM25 and an encoder\nfaq: []\nencoder: models/nosuch\n"));
        var (code, output) = Validate(temp.Dir);
        Assert.Equal(1, code);
        string file = Path.Combine(temp.Dir, "knowledge.yml");
        Assert.Contains($"{file}:3:10: error: encoder 'models/nosuch' does not exist (looked for the folder {Path.Combine(temp.Dir, "models", "nosuch")}); " +
            "it names a sentence-transformers model folder, relative to knowledge.yml", output);
        Assert.Contains(": 1 error, 4 warnings", output);

        // what serve and kb load fails with the same place
        var e = Assert.Throws<Kefu.Knowledge.KnowledgeFormatException>(() => Kefu.Knowledge.KnowledgeConfig.Load(temp.Dir));
        Assert.StartsWith($"{file}:3: error: encoder 'models/nosuch' does not exist", e.Message);
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
