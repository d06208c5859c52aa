using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;
using Kefu.Tests.Data;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Projects;

/// <summary>`{placeholders}` that name no slot, stories that contradict rules, and --fail-on-warnings.</summary>
public class ValidateResponsesAndRulesTests
{
    private static readonly string Domain = SampleProject.Domain.Replace("""
          utter_goodbye:
            - text: 再见
        """, """
          utter_goodbye:
            - text: 再见
          utter_change_size:
            - text: "好的，选择新的{size_new}，订单{order_id}"
          utter_by_action:
            - text: "您的积分是{points}"
          utter_braces:
            - text: "写成 {{size_new}} 的是文字"
        """);

    private const string StoryUsingIt = """
        version: "3.1"
        stories:
        - story: change size
          steps:
          - intent: chitchat
          - action: utter_change_size
        """;

    [Fact]
    public void A_placeholder_naming_no_slot_is_an_error_at_its_line_and_column_when_the_dialogue_utters_it()
    {
        using var temp = TempProject.Valid(("domain.yml", Domain), ("data/more.yml", StoryUsingIt));
        var diagnostics = temp.Diagnose();
        int line = Domain.Split('\n').ToList().FindIndex(l => l.Contains("{size_new}，")) + 1;
        int column = Domain.Split('\n')[line - 1].IndexOf("{size_new}", StringComparison.Ordinal) + 1;
        Assert.Contains($"domain.yml:{line}:{column}: error: response 'utter_change_size' uses '{{size_new}}', but there is no slot 'size_new' in the domain: " +
            "the customer would read 'None' in its place; add the slot or correct the name", diagnostics);
        // {order_id} is a slot; {{size_new}} is literal text; a response no story utters may get its value from a custom action
        Assert.DoesNotContain(diagnostics, d => d.Contains("'{order_id}'") || d.Contains("utter_braces"));
        Assert.Contains(diagnostics, d => d.Contains("warning: response 'utter_by_action' uses '{points}'") && d.Contains("unless a custom action"));
    }

    /// <summary>The sample project's diagnostics with <paramref name="responses"/> added after utter_goodbye.</summary>
    private static IReadOnlyList<string> DiagnoseWithResponses(string responses)
    {
        const string goodbye = """
              utter_goodbye:
                - text: 再见
            """;
        using var temp = TempProject.Valid(("domain.yml", SampleProject.Domain.Replace(goodbye, goodbye + "\n" + responses)));
        return temp.Diagnose();
    }

    [Fact]
    public void Position_in_the_queue_notice_is_the_consoles_not_a_slot()
    {
        var diagnostics = DiagnoseWithResponses("""
              utter_handoff_queue:
                - text: "前面还有 {position} 位"
              utter_handoff_offline:
                - text: "第 {position} 位"
            """);
        Assert.DoesNotContain(diagnostics, d => d.Contains("utter_handoff_queue"));
        Assert.Contains(diagnostics, d => d.Contains("response 'utter_handoff_offline' uses '{position}'"));
    }

    [Fact]
    public void The_wait_estimate_in_the_queue_notice_is_the_consoles_not_a_slot()
    {
        var diagnostics = DiagnoseWithResponses("""
              utter_handoff_queue:
                - text: "前面还有 {position} 位，约 {wait_minutes} 分钟"
              utter_handoff_queue_no_estimate:
                - text: "前面还有 {position} 位"
              utter_handoff_offline:
                - text: "约 {wait_minutes} 分钟"
            """);
        Assert.DoesNotContain(diagnostics, d => d.Contains("utter_handoff_queue"));
        Assert.Contains(diagnostics, d => d.Contains("response 'utter_handoff_offline' uses '{wait_minutes}'"));
    }

    [Fact]
    public void The_runtime_shows_None_exactly_where_the_validator_reports()
    {
        using var temp = TempProject.Valid(("domain.yml", Domain), ("data/more.yml", StoryUsingIt));
        var domain = RasaProject.Read(temp.Dir).Domain;
        var renderer = new ResponseRenderer(domain);
        var tracker = Tracker(new SlotSet("order_id", Json("\"DD1\"")));
        Assert.Equal("好的，选择新的None，订单DD1", renderer.Render("utter_change_size", tracker, "rest")!.Text);
        Assert.Equal("写成 {size_new} 的是文字", renderer.Render("utter_braces", tracker, "rest")!.Text);
        Assert.Equal(["size_new", "order_id"], ResponseTemplate.Placeholders("好的，选择新的{size_new}，订单{order_id}").Select(p => p.Name));
        Assert.Empty(ResponseTemplate.Placeholders("写成 {{size_new}} 的是文字"));
        Assert.Empty(ResponseTemplate.Placeholders("""/inform{"size": "L"}"""));
    }

    private const string ContradictingStory = """
        version: "3.1"
        stories:
        - story: goodbye then more
          steps:
          - intent: greet
          - action: utter_greet
          - intent: goodbye
          - action: utter_goodbye
          - action: utter_greet
        - story: affirm is answered differently
          steps:
          - action: utter_greet
          - intent: affirm
          - action: utter_greet
        """;

    private const string RulesToContradict = """
        version: "3.1"
        rules:
        - rule: say goodbye
          steps:
          - intent: goodbye
          - action: utter_goodbye
        - rule: affirm after greeting
          steps:
          - action: utter_greet
          - intent: affirm
          - action: utter_goodbye
        - rule: affirm after goodbye
          steps:
          - action: utter_goodbye
          - intent: affirm
          - action: utter_greet
        """;

    [Fact]
    public void A_story_that_contradicts_a_rule_is_a_warning_at_the_story_step()
    {
        using var temp = TempProject.Valid(("data/more.yml", ContradictingStory), ("data/more_rules.yml", RulesToContradict));
        var conflicts = temp.Diagnose().Where(d => d.Contains("but rule")).ToList();
        Assert.Equal(2, conflicts.Count);
        Assert.StartsWith("data/more.yml:9:13: warning: story 'goodbye then more' runs 'utter_greet' here, but rule 'say goodbye' (", conflicts[0]);
        Assert.Contains("waits for the user after the same turns (intent goodbye, utter_goodbye)", conflicts[0]);
        Assert.StartsWith("data/more.yml:14:13: warning: story 'affirm is answered differently' runs 'utter_greet' here, but rule 'affirm after greeting'", conflicts[1]);
        Assert.Contains("runs 'utter_goodbye' after the same turns (utter_greet, intent affirm)", conflicts[1]);
    }

    [Fact]
    public void Fail_on_warnings_turns_warnings_into_exit_one()
    {
        using var temp = TempProject.Valid(("data/more.yml", ContradictingStory), ("data/more_rules.yml", RulesToContradict));
        Assert.Equal(0, DataCli.Run("validate", temp.Dir).Code);
        var (code, output, _) = DataCli.Run("validate", temp.Dir, "--fail-on-warnings");
        Assert.Equal(1, code);
        Assert.Contains("(--fail-on-warnings: exit 1)", output);
    }
}
