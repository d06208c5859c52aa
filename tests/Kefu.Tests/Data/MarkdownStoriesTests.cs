using Kefu.Data;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class MarkdownStoriesTests
{
    private const string Stories = """
        ## order with a form
        * greet
          - utter_greet
        * check_order{"order_id": "DD20240101"}
          - slot{"order_id": "DD20240101"}
          - order_form
          - form{"name": "order_form"}
          - form{"name": null}
        > order_checked

        ## after the order  <!-- joined by the checkpoint -->
        > order_checked
        * affirm OR goodbye
          - utter_goodbye
        """;

    [Fact]
    public void Markdown_stories_become_yaml_stories_the_project_reads_step_for_step()
    {
        using var temp = TempProject.Valid(("stories.md", Stories));
        File.Delete(temp.PathOf("data/stories.yml"));
        var (code, output, error) = DataCli.Run("convert", "core", "--data", temp.PathOf("stories.md"), "--out", temp.PathOf("data/stories.yml"));
        Assert.True(code == 0, error);
        Assert.Contains("2 stories", output);

        var (original, _) = MarkdownStories.Parse(Stories, "stories.md");
        var project = RasaProject.Load(temp.Dir);
        Assert.Equal(original.Select(s => s.Name), project.Stories.Select(s => s.Name));
        Assert.Equal(original.Select(s => Shape(s.Steps)), project.Stories.Select(s => Shape(s.Steps)));
        Assert.Equal("intent check_order order_id=DD20240101|slot order_id=\"DD20240101\"|action order_form|loop order_form|loop -|checkpoint order_checked",
            Shape(project.Stories[0].Steps.Skip(2)));
    }

    [Fact]
    public void An_end_to_end_turn_with_annotated_entities_becomes_a_yaml_user_step_with_its_entities()
    {
        const string story = "## e2e order\n* check_order: where is my order [DD20240101](order_id)?\n  - utter_order_status\n";
        using var temp = new TempProject("kefu-convert-", ("stories.md", story));
        var (code, _, error) = DataCli.Run("convert", "core", "--data", temp.PathOf("stories.md"), "--out", temp.PathOf("stories.yml"));
        Assert.True(code == 0, error);
        var (reread, diagnostics) = MarkdownStories.Parse(story, "stories.md");
        Assert.Empty(diagnostics);
        Assert.Equal("intent check_order order_id=DD20240101|action utter_order_status", Shape(reread.Single().Steps));
        string yaml = File.ReadAllText(temp.PathOf("stories.yml"));
        Assert.Contains("where is my order [DD20240101](order_id)?", yaml);
        Assert.Contains("intent: check_order", yaml);
    }

    [Theory]
    [InlineData("* greet\n", 1, "not inside a story")]
    [InlineData("## s\n* greet{oops}\n", 2, "invalid JSON")]
    [InlineData("## s\n* greet\n  - followup{\"name\": \"x\"}\n", 3, "no Rasa 3 story step")]
    [InlineData("## s\n* greet\nutter_greet\n", 3, "not a story line")]
    [InlineData(">> a rule\n* greet\n", 1, "rules")]
    public void Malformed_stories_are_errors_at_their_line_and_nothing_is_written(string markdown, int line, string message)
    {
        using var temp = new TempProject("kefu-convert-", ("stories.md", markdown));
        var (code, _, error) = DataCli.Run("convert", "core", "--data", temp.PathOf("stories.md"), "--out", temp.PathOf("stories.yml"));
        Assert.Equal(1, code);
        Assert.Contains($"stories.md:{line}:", error);
        Assert.Contains(message, error);
        Assert.False(File.Exists(temp.PathOf("stories.yml")));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_an_error_at_their_line()
    {
        using var temp = new TempProject("kefu-convert-");
        temp.WriteBytes("stories.md", [.. "## s\n* greet\n"u8, 0xC3, 0x28, .. "\n  - utter_greet\n"u8]);
        var (code, _, error) = DataCli.Run("convert", "core", "--data", temp.PathOf("stories.md"), "--out", temp.PathOf("stories.yml"));
        Assert.Equal(1, code);
        Assert.Contains("stories.md:3:", error);
        Assert.Contains("UTF-8", error);
        Assert.False(File.Exists(temp.PathOf("stories.yml")));
    }

    private static string Shape(IEnumerable<StoryStep> steps) => string.Join("|", steps.Select(s => s switch
    {
        UserStep u => $"intent {u.Intent}" + string.Concat(u.Entities.Select(e => $" {e.Entity}={e.Value}")),
        ActionStep a => $"action {a.Action}",
        SlotWasSetStep v => $"slot {v.Slot}={v.Value?.GetRawText()}",
        ActiveLoopStep l => $"loop {l.Name ?? "-"}",
        CheckpointStep c => $"checkpoint {c.Name}",
        OrStep o => "or " + string.Join("/", o.Alternatives.OfType<UserStep>().Select(u => u.Intent)),
        _ => s.GetType().Name,
    }));
}
