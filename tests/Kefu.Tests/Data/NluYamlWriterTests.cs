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
