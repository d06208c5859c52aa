using System.Text;
using Kefu.Projects;
using Kefu.Tests.Data;

namespace Kefu.Tests.Projects;

/// <summary>A broken YAML structure is reported once, at its root cause, however many checks would follow from it.</summary>
public class ValidateRootCauseTests
{
    private const int Intents = 40, ExamplesPerIntent = 25;

    /// <summary>A project with 40 intents of 25 examples, stories naming every intent; the 20th intent's item starts at the returned line.</summary>
    private static (TempProject Temp, string[] NluLines, int BrokenIntentLine) BigProject()
    {
        var domain = new StringBuilder("version: \"3.1\"\nintents:\n");
        var nlu = new StringBuilder("version: \"3.1\"\nnlu:\n");
        var stories = new StringBuilder("version: \"3.1\"\nstories:\n");
        var responses = new StringBuilder("responses:\n");
        int brokenLine = 0;
        for (int i = 0; i < Intents; i++)
        {
            domain.Append($"  - intent_{i}\n");
            if (i == 20) brokenLine = nlu.ToString().Count(c => c == '\n') + 1;
            nlu.Append($"- intent: intent_{i}\n  examples: |\n");
            for (int k = 0; k < ExamplesPerIntent; k++) nlu.Append($"    - example {k} of intent {i}\n");
            stories.Append($"- story: s{i}\n  steps:\n  - intent: intent_{i}\n  - action: utter_{i}\n");
            responses.Append($"  utter_{i}:\n  - text: answer {i}\n");
        }
        var temp = new TempProject("kefu-rootcause-",
            ("domain.yml", domain + responses.ToString()), ("config.yml", "recipe: default.v1\nlanguage: en\n"),
            ("data/nlu.yml", nlu.ToString()), ("data/stories.yml", stories.ToString()));
        return (temp, nlu.ToString().Split('\n'), brokenLine);
    }

    public static TheoryData<string, int> Breaks => new()
    {
        { "intent item one space deeper", 0 },
        { "examples key two spaces shallower", 1 },
        { "an example line dedented to the key", 4 },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public void A_broken_indentation_in_a_big_nlu_file_is_one_error_at_its_line(string kind, int offset)
    {
        var (temp, lines, intentLine) = BigProject();
        using var _ = temp;
        int line = intentLine + offset;
        lines[line - 1] = kind switch
        {
            "intent item one space deeper" => " " + lines[line - 1],
            "examples key two spaces shallower" => lines[line - 1][2..],
            _ => "  " + lines[line - 1].TrimStart(),
        };
        temp.Write("data/nlu.yml", string.Join('\n', lines));

        var errors = temp.Diagnose().Where(d => d.Contains(": error: ")).ToList();
        var error = Assert.Single(errors);
        Assert.StartsWith($"data/nlu.yml:{line}:", error);
        // nor do the 39 intents of the unreadable file come back as "has no NLU examples"
        Assert.DoesNotContain(temp.Diagnose(), d => d.Contains("has no NLU examples"));
    }

    [Fact]
    public void A_domain_list_item_swallowed_by_the_item_above_is_one_error_not_one_per_story()
    {
        var (temp, _, _) = BigProject();
        using var _ = temp;
        var domain = File.ReadAllText(temp.PathOf("domain.yml")).Replace("  - intent_3\n", "   - intent_3\n");
        temp.Write("domain.yml", domain);

        var diagnostics = temp.Diagnose();
        var error = Assert.Single(diagnostics, d => d.Contains(": error: "));
        Assert.Equal("domain.yml:6:4: error: this list item is read as part of the text 'intent_2 - intent_3' that starts at line 5: " +
            "it is indented differently from the item above; start it in the same column", error);
        Assert.Contains(diagnostics, d => d.StartsWith("domain.yml:1:1: warning: the intents, actions, slots and entities that data/ and tests/ name are not checked"));
    }

    [Fact]
    public void The_big_project_unbroken_has_no_errors()
    {
        // The baseline of the tests above: every error they see comes from the one broken line.
        var (temp, _, _) = BigProject();
        using var _ = temp;
        Assert.DoesNotContain(temp.Diagnose(), d => d.Contains(": error: "));
    }

    [Fact]
    public void Kefu_data_validate_names_a_missing_folder_and_exits_one()
    {
        var (code, output, _) = DataCli.Run("validate", Path.Combine(Path.GetTempPath(), "kefu-no-such-project"));
        Assert.Equal(1, code);
        Assert.Contains("kefu-no-such-project: no such folder", output);
        Assert.DoesNotContain("warning", output);
    }

    [Fact]
    public void Kefu_data_validate_reports_what_kefu_serve_refuses_in_endpoints_and_credentials()
    {
        using var temp = TempProject.Valid(
            ("credentials.yml", "slack:\n  slack_token: x\n  slack_signing_secret: y\n  use_threads: true\n"),
            ("endpoints.yml", "tracker_store:\n  type: sql\n  dialect: sqlite\n  login_db: x\n"));
        var (code, output, _) = DataCli.Run("validate", temp.Dir);
        Assert.Equal(1, code);
        Assert.Contains("credentials.yml:4:3: error: slack: key 'use_threads' is not read by Kefu", output);
        Assert.Contains("endpoints.yml:4:3: error: tracker_store: unknown key 'login_db'", output);

        // a secret the validating machine does not have is the serving machine's: a warning
        temp.Write("credentials.yml", "telegram:\n  access_token: ${KEFU_TEST_UNSET_TOKEN}\n  verify: kefu_bot\n");
        temp.Write("endpoints.yml", "");
        (code, output, _) = DataCli.Run("validate", temp.Dir);
        Assert.Equal(0, code);
        Assert.Contains("warning: environment variable KEFU_TEST_UNSET_TOKEN", output);
    }

    [Fact]
    public void Kefu_data_validate_reports_an_nlg_section_the_bot_could_not_use()
    {
        using var temp = TempProject.Valid(("endpoints.yml", "nlg:\n  url: localhost:5056/nlg\n"));
        var (code, output, _) = DataCli.Run("validate", temp.Dir);
        Assert.Equal(1, code);
        Assert.Contains("endpoints.yml:2:8: error: nlg url \"localhost:5056/nlg\" is not an absolute http(s) URL", output);
        temp.Write("endpoints.yml", "nlg:\n  url: http://localhost:5056/nlg\n");
        Assert.Equal(0, DataCli.Run("validate", temp.Dir).Item1);
    }

    [Fact]
    public void Kefu_data_validate_on_a_file_says_it_wants_the_folder()
    {
        using var temp = TempProject.Valid();
        var (code, output, _) = DataCli.Run("validate", temp.PathOf("domain.yml"));
        Assert.Equal(1, code);
        Assert.Contains("this is a file, not a project folder", output);
    }
}
