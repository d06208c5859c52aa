using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Projects;

public class NluFileTests
{
    [Fact]
    public void Reads_examples_entities_synonyms_regexes_and_lookups()
    {
        using var project = new TempProject(("nlu.yml", SampleProject.Nlu));
        var data = NluFile.Load(project.PathOf("nlu.yml"));

        Assert.Equal(8, data.Examples.Count);
        Assert.Equal(new NluExample("你好", "greet", []), data.Examples[0], new ExampleComparer());
        var order = data.Examples.Single(e => e.Text == "我的订单号是DD20240101");
        Assert.Equal("check_order", order.Intent);
        Assert.Equal(new EntitySpan(6, 16, "order_id", "DD20240101"), Assert.Single(order.Entities));
        var city = data.Examples.Single(e => e.Text == "从北京寄出的订单");
        Assert.Equal(new EntitySpan(1, 3, "city", "北京市", "from"), Assert.Single(city.Entities));

        Assert.Equal("北京市", data.Synonyms["帝都"]);
        Assert.Equal("北京市", data.Synonyms["北京"]);   // from the annotation's value, as Rasa's EntitySynonymMapper learns it
        Assert.Equal(["DD\\d{8}"], Assert.Single(data.Regexes, r => r.Name == "order_id").Patterns);
        Assert.Equal(["上海", "广州"], Assert.Single(data.Lookups, l => l.Name == "city").Elements);
    }

    [Fact]
    public void Metadata_list_form_of_examples_is_read()
    {
        using var project = new TempProject(("nlu.yml", """
            nlu:
            - intent: greet
              examples:
              - text: 你好[小明](name)
                metadata: {sentiment: neutral}
              - text: "在吗"
            """));
        var data = NluFile.Load(project.PathOf("nlu.yml"));
        Assert.Equal(["你好小明", "在吗"], data.Examples.Select(e => e.Text));
        Assert.Equal(new EntitySpan(2, 4, "name", "小明"), Assert.Single(data.Examples[0].Entities));
    }

    [Fact]
    public void Errors_throw_with_every_position()
    {
        using var project = new TempProject(("nlu.yml", """
            nlu:
            - intent: greet
              examples: |
                - 查[订单(order_id)
                - 好的
                - 查[订单]{"entity": order_id}
            - intent: goodbye
              examples: |
                - 好的
            - regex: bad
              examples: |
                - DD(\d
            """));
        var error = Assert.Throws<ProjectException>(() => NluFile.Load(project.PathOf("nlu.yml")));
        Assert.Equal(
            ["nlu.yml:4:8: error", "nlu.yml:6:12: error", "nlu.yml:9:7: warning", "nlu.yml:12:7: error"],
            project.Lines(error.Diagnostics).Select(l => string.Join(':', l.Split(':').Take(4))));
        Assert.Contains("is under intent 'goodbye' and also under intent 'greet'", error.Message);
        Assert.Contains("not a valid regular expression", error.Message);
    }

    [Fact]
    public void Lines_without_a_dash_are_skipped_with_a_warning()
    {
        using var project = new TempProject(("nlu.yml", """
            nlu:
            - intent: greet
              examples: |
                - 你好
                在吗
            """));
        var (data, diagnostics) = NluFile.Read(project.PathOf("nlu.yml"));
        Assert.Single(data.Examples);
        Assert.StartsWith("nlu.yml:5:5: warning: intent 'greet': the line '在吗' does not start with '- '", Assert.Single(project.Lines(diagnostics)));
    }

    [Fact]
    public void A_context_that_is_not_text_is_ignored_with_a_warning()
    {
        using var project = new TempProject(("nlu.yml", """
            nlu:
            - intent: confirm
              examples:
              - text: 好的
                metadata:
                  context: {response: utter_ask}
            """));
        var (data, diagnostics) = NluFile.Read(project.PathOf("nlu.yml"));
        Assert.Null(Assert.Single(data.Examples).Context);
        Assert.StartsWith("nlu.yml:6:16: warning: intent 'confirm': an example's metadata context must be the bot's message as text",
            Assert.Single(project.Lines(diagnostics)));
    }

    private sealed class ExampleComparer : IEqualityComparer<NluExample>
    {
        public bool Equals(NluExample? x, NluExample? y) =>
            x is not null && y is not null && x.Text == y.Text && x.Intent == y.Intent && x.Entities.SequenceEqual(y.Entities);

        public int GetHashCode(NluExample obj) => obj.Text.GetHashCode();
    }
}
