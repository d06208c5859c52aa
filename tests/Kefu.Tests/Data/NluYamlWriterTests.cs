using Kefu.Data;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Data;

public class NluYamlWriterTests
{
    [Theory]
    [InlineData("I live in Berlin", 10, 16, "city", "Berlin", null, "I live in [Berlin](city)")]
    [InlineData("from NYC", 5, 8, "city", "New York", null, """from [NYC]{"entity": "city", "value": "New York"}""")]
    [InlineData("to Rome", 3, 7, "city", "Rome", "to", """to [Rome]{"entity": "city", "role": "to"}""")]
    public void Entities_are_written_in_the_shortest_annotation_that_says_everything(
        string text, int start, int end, string entity, string value, string? role, string line)
    {
        var (written, problem) = NluYamlWriter.ExampleLine(new NluExample(text, "x", [new EntitySpan(start, end, entity, value, role)]));
        Assert.Null(problem);
        Assert.Equal(line, written);
    }

    [Fact]
    public void Two_entities_on_one_span_are_a_list()
    {
        var example = new NluExample("Berlin", "x", [new EntitySpan(0, 6, "city", "Berlin"), new EntitySpan(0, 6, "location", "Berlin")]);
        var (written, _) = NluYamlWriter.ExampleLine(example);
        Assert.Equal("""[Berlin][{"entity": "city"}, {"entity": "location"}]""", written);
        Assert.True(NluYamlWriter.SameEntities(example.Entities, EntityAnnotations.Parse(written!).Entities));
    }

    [Theory]
    [InlineData("two\nlines", "line break")]
    [InlineData("bell\u0007", "control character")]
    [InlineData("see [this](link) page", "would not read back the same")]
    [InlineData(" padded", "spaces")]
    public void Examples_that_cannot_be_written_are_errors_not_garbage(string text, string message)
    {
        var (yaml, problems) = NluYamlWriter.Write(new NluDocument([new NluExample(text, "x", [])], [], [], [])
            { Locations = [new SourceLocation("in.csv", 4, 1)] });
        var problem = Assert.Single(problems);
        Assert.Equal("in.csv:4:1", problem.Location.ToString());
        Assert.Contains(message, problem.Message);
        Assert.DoesNotContain(text.Trim(), yaml);
    }

    [Fact]
    public void Crossing_entity_spans_are_an_error()
    {
        var (_, problem) = NluYamlWriter.ExampleLine(new NluExample("New York City", "x", [new EntitySpan(0, 8, "city", "New York"), new EntitySpan(4, 13, "place", "York City")]));
        Assert.Contains("cross", problem);
    }

    [Theory]
    [InlineData("greet", "greet")]
    [InlineData("faq/ask_fees", "faq/ask_fees")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("123", "\"123\"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("查询订单", "查询订单")]
    public void Names_are_quoted_when_yaml_would_read_them_otherwise(string name, string scalar) =>
        Assert.Equal(scalar, NluYamlWriter.Scalar(name));
}

public class CsvConvertTests
{
    [Fact]
    public void Csv_to_yaml_and_back_keeps_text_and_intent()
    {
        using var temp = new Kefu.Tests.Projects.TempProject("kefu-csv-", ("in.csv", "text,intent\n\"退货, 怎么弄\",return\n  hi  ,greet\n\"say \"\"hi\"\"\",greet\n"));
        var (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("in.csv"), "-f", "yaml", "--out", temp.PathOf("nlu.yml"));
        Assert.True(code == 0, error);
        var yaml = NluFile.Load(temp.PathOf("nlu.yml"));
        Assert.Equal(["退货, 怎么弄|return", "hi|greet", "say \"hi\"|greet"], yaml.Examples.Select(e => $"{e.Text}|{e.Intent}"));

        (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("nlu.yml"), "-f", "csv", "--out", temp.PathOf("out.csv"));
        Assert.True(code == 0, error);
        Assert.Equal("text,intent\n\"退货, 怎么弄\",return\nhi,greet\n\"say \"\"hi\"\"\",greet\n", File.ReadAllText(temp.PathOf("out.csv")));
    }

    [Fact]
    public void A_csv_text_over_two_lines_is_an_error_at_its_line_and_nothing_is_written()
    {
        using var temp = new Kefu.Tests.Projects.TempProject("kefu-csv-", ("in.csv", "text,intent\nhello,greet\n\"two\nlines\",greet\n"));
        var (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("in.csv"), "--out", temp.PathOf("nlu.yml"));
        Assert.Equal(1, code);
        Assert.Contains("in.csv:3:1: error: the example 'two\\nlines' holds a line break", error);
        Assert.False(File.Exists(temp.PathOf("nlu.yml")));
    }

    [Fact]
    public void A_csv_without_the_columns_is_an_error_at_line_one()
    {
        using var temp = new Kefu.Tests.Projects.TempProject("kefu-csv-", ("in.csv", "sentence,label\nhi,greet\n"));
        var (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("in.csv"), "--out", temp.PathOf("nlu.yml"));
        Assert.Equal(1, code);
        Assert.Contains("in.csv:1:1: error: header 'sentence,label' lacks a 'text'", error);
    }
}
