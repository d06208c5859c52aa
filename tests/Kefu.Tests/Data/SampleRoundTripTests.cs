using Kefu.Data;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

/// <summary>The samples' real NLU data through every format and back, read by the project reader at the end.</summary>
public class SampleRoundTripTests
{
    [Theory]
    [InlineData("ecommerce-zh")]
    [InlineData("banking-en")]
    public void Yaml_to_json_and_back_keeps_every_example_entity_and_synonym(string sample)
    {
        string nlu = Path.Combine(RepoPaths.Root, "samples", sample, "data", "nlu.yml");
        using var temp = new TempProject("kefu-roundtrip-");
        var (code, _, error) = DataCli.Run("convert", "nlu", "--data", nlu, "-f", "json", "--out", temp.PathOf("nlu.json"));
        Assert.True(code == 0, error);
        (code, _, error) = DataCli.Run("convert", "nlu", "--data", temp.PathOf("nlu.json"), "-f", "yaml", "--out", temp.PathOf("nlu.yml"));
        Assert.True(code == 0, error);

        var original = NluFile.Load(nlu);
        var again = NluFile.Load(temp.PathOf("nlu.yml"));
        Assert.Equal(original.Examples.Select(MarkdownNluTests.Key), again.Examples.Select(MarkdownNluTests.Key));
        Assert.Equal(original.Synonyms.OrderBy(s => s.Key, StringComparer.Ordinal), again.Synonyms.OrderBy(s => s.Key, StringComparer.Ordinal));
        Assert.Equal(original.Regexes.SelectMany(r => r.Patterns.Select(p => r.Name + p)), again.Regexes.SelectMany(r => r.Patterns.Select(p => r.Name + p)));
        Assert.Equal(original.Lookups.SelectMany(l => l.Elements.Select(e => l.Name + e)), again.Lookups.SelectMany(l => l.Elements.Select(e => l.Name + e)));
        Assert.True(original.Examples.Count > 500);
    }

    [Fact]
    public void Cleaning_the_clean_sample_changes_no_example_and_drops_none()
    {
        // The flagship sample is hand-written clean data: clean must not rewrite it (its Chinese punctuation included).
        string nlu = Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh", "data", "nlu.yml");
        var (document, diagnostics) = NluDocuments.Read(nlu);
        Assert.DoesNotContain(diagnostics, d => d.Severity == Severity.Error);
        var report = NluCleaner.Clean(document, nlu).Report;
        Assert.Empty(report.Changed);
        Assert.Empty(report.Removed);
        Assert.Equal(report.ExamplesIn, report.ExamplesOut);
    }
}
