using Kefu.Data;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Data;

public class RasaJsonNluTests
{
    private const string Json = """
        {
          "rasa_nlu_data": {
            "common_examples": [
              {"text": "hello", "intent": "greet", "entities": []},
              {"text": "I am in NYC now", "intent": "inform",
               "entities": [{"start": 8, "end": 11, "value": "New York", "entity": "city", "role": "here"}]}
            ],
            "entity_synonyms": [{"value": "New York", "synonyms": ["NYC", "the big apple"]}],
            "regex_features": [{"name": "zip", "pattern": "[0-9]{5}"}, {"name": "zip", "pattern": "[0-9]{9}"}],
            "lookup_tables": [{"name": "city", "elements": ["Berlin", "Paris"]}]
          }
        }
        """;

    [Fact]
    public void Reads_every_section()
    {
        var (doc, diagnostics) = RasaJsonNlu.Parse(Json, "nlu.json");
        Assert.Empty(diagnostics);
        Assert.Equal(["greet", "inform"], doc.Examples.Select(e => e.Intent));
        Assert.Equal(new EntitySpan(8, 11, "city", "New York", "here"), doc.Examples[1].Entities.Single());
        Assert.Equal(new SourceLocation("nlu.json", 5, 16), doc.Locations[1]);
        Assert.Equal(["NYC", "the big apple"], doc.Synonyms.Single().Examples);
        Assert.Equal(["[0-9]{5}", "[0-9]{9}"], doc.Regexes.Single().Patterns);
        Assert.Equal(["Berlin", "Paris"], doc.Lookups.Single().Elements);
    }

    [Fact]
    public void Json_written_reads_back_equal_and_yaml_too()
    {
        var (doc, _) = RasaJsonNlu.Parse(Json, "nlu.json");
        var (again, diagnostics) = RasaJsonNlu.Parse(RasaJsonNlu.Write(doc), "again.json");
        Assert.Empty(diagnostics);
        Assert.Equal(doc.Examples.Select(MarkdownNluTests.Key), again.Examples.Select(MarkdownNluTests.Key));
        Assert.Equal(doc.Synonyms.Single().Examples, again.Synonyms.Single().Examples);

        var (yaml, problems) = NluYamlWriter.Write(doc);
        Assert.Empty(problems);
        Assert.Contains("""- I am in [NYC]{"entity": "city", "value": "New York", "role": "here"} now""", yaml);
    }

    [Theory]
    [InlineData("{\"rasa_nlu_data\": {\"common_examples\": [\n{\"text\": \"hi\", \"intent\": \"greet\",}\n,]}}", 0, "")] // trailing commas are allowed
    [InlineData("{\"rasa_nlu_data\": {\"common_examples\": [\n{\"text\": \"hi\" \"intent\": \"greet\"}]}}", 2, "invalid JSON")]
    [InlineData("{\"nlu\": []}", 1, "not Rasa JSON NLU data")]
    [InlineData("{\"rasa_nlu_data\": {\"common_examples\": [\n\n{\"text\": \"hi\", \"intent\": \"greet\", \"entities\": [{\"start\": 1, \"end\": 9, \"entity\": \"x\"}]}]}}", 3, "outside the text")]
    [InlineData("{\"rasa_nlu_data\": {\"common_examples\": [\n{\"text\": \"hi\"}]}}", 2, "no \"intent\"")]
    public void Malformed_json_is_an_error_at_its_line(string json, int line, string message)
    {
        var (_, diagnostics) = RasaJsonNlu.Parse(json, "bad.json");
        var errors = diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (line == 0)
        {
            Assert.Empty(errors);
            return;
        }
        var error = Assert.Single(errors);
        Assert.Equal(line, error.Location.Line);
        Assert.Contains(message, error.Message);
    }
}
