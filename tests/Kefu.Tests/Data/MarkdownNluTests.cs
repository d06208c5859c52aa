using Kefu.Data;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class MarkdownNluTests
{
    private const string Markdown = """
        <!-- a Rasa 2 file
             with a comment over two lines -->
        ## intent:check_balance
        - what is my [savings](account) balance
        * how much is on my [credit card](account:credit)
        + fly from [Berlin]{"entity": "city", "role": "from", "group": "1"} to [Rome]{"entity": "city", "role": "to", "group": "1"}

        ## intent:faq/ask_fees
        - what are the fees
        ## synonym:credit
        - credit card
        - Credit Card
        ## regex:account_number
        - \d{10,12}
        ## lookup:city
        - Berlin
        - Rome
        """;

    [Fact]
    public void Reads_intents_annotations_synonyms_regexes_and_lookups()
    {
        var (doc, diagnostics) = MarkdownNlu.Parse(Markdown, "nlu.md");
        Assert.Empty(diagnostics);
        Assert.Equal(["check_balance", "faq/ask_fees"], doc.Intents());
        Assert.Equal(4, doc.Examples.Count);
        Assert.Equal(new EntitySpan(11, 18, "account", "savings"), doc.Examples[0].Entities.Single());
        Assert.Equal(new EntitySpan(18, 29, "account", "credit"), doc.Examples[1].Entities.Single());
        Assert.Equal(["from", "to"], doc.Examples[2].Entities.Select(e => e.Role));
        Assert.Equal(["1", "1"], doc.Examples[2].Entities.Select(e => e.Group));
        Assert.Equal(new SourceLocation("nlu.md", 5, 3), doc.Locations[1]);
        Assert.Equal(["credit card", "Credit Card"], doc.Synonyms.Single().Examples);
        Assert.Equal(@"\d{10,12}", doc.Regexes.Single().Patterns.Single());
        Assert.Equal(["Berlin", "Rome"], doc.Lookups.Single().Elements);
    }

    [Fact]
    public void Markdown_to_yaml_reads_back_the_same_examples_in_a_project()
    {
        using var temp = TempProject.Valid(("nlu.md", Markdown));
        var (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("nlu.md"), "-f", "yaml", "--out", temp.PathOf("data/nlu.yml"));
        Assert.True(code == 0, error);

        var (original, _) = MarkdownNlu.Parse(Markdown, "nlu.md");
        var viaFile = NluFile.Load(temp.PathOf("data/nlu.yml"));
        Assert.Equal(original.Examples.Select(Key), viaFile.Examples.Select(Key));
        Assert.Equal("credit", viaFile.Synonyms["credit card"]);
        Assert.Equal(["Berlin", "Rome"], viaFile.Lookups.Single().Elements);

        var project = RasaProject.Read(temp.Dir);
        Assert.Equal(original.Examples.Select(Key), project.Nlu.Examples.Select(Key));
    }

    [Theory]
    [InlineData("## intent:greet\n- hi [there\n", 2, 6, "never closed")]
    [InlineData("- hi\n", 1, 1, "not under a section")]
    [InlineData("## intent:greet\nhello\n", 2, 1, "not an item")]
    [InlineData("## entity:x\n", 1, 1, "unknown section")]
    [InlineData("## lookup:city\ndata/cities.txt\n", 2, 1, "lookup file")]
    [InlineData("<!--\n\n-->\n## intent:greet\n- [x]{\"entity\": }\n", 5, 6, "annotation JSON is invalid")]
    public void Malformed_markdown_is_an_error_at_its_line(string markdown, int line, int column, string message)
    {
        var (_, diagnostics) = MarkdownNlu.Parse(markdown, "bad.md");
        var error = Assert.Single(diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(new SourceLocation("bad.md", line, column), error.Location);
        Assert.Contains(message, error.Message);
    }

    internal static string Key(NluExample e) =>
        $"{e.Intent}|{e.Text}|" + string.Join(";", e.Entities.Select(s => $"{s.Start},{s.End},{s.Entity},{s.Value},{s.Role},{s.Group}"));
}
