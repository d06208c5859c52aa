using Kefu.Nlu.Data;

namespace Kefu.Tests.Nlu;

public sealed class NluDataReaderTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("kefu-nlu-data-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Write(string name, string content)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Csv_reads_quotes_commas_and_multi_line_fields()
    {
        var examples = NluDataReader.ReadCsv(Write("a.csv", "text,category\n\"hi, \"\"you\"\"\",greet\n\"two\nlines\",x\nplain,y\n"));
        Assert.Equal([("hi, \"you\"", "greet"), ("two\nlines", "x"), ("plain", "y")], examples.Select(e => (e.Text, e.Intent)));
    }

    [Fact]
    public void Csv_without_the_expected_header_names_the_file_and_line()
    {
        var e = Assert.Throws<NluDataException>(() => NluDataReader.Load(Write("b.csv", "sentence,label\nhi,greet\n")));
        Assert.StartsWith(Path.Combine(folder, "b.csv") + ":1:", e.Message);
    }

    [Fact]
    public void Csv_with_a_short_record_names_its_line()
    {
        var e = Assert.Throws<NluDataException>(() => NluDataReader.Load(Write("c.csv", "text,intent\nhi,greet\nlonely\n")));
        Assert.Equal(3, e.Line);
    }

    [Theory]
    [InlineData("d.csv")]
    [InlineData("d.jsonl")]
    public void A_file_that_is_not_utf8_is_an_error_at_its_line_not_replacement_characters(string name)
    {
        string path = Path.Combine(folder, name);
        var gb18030 = new byte[] { 0xC4, 0xE3, 0xBA, 0xC3 };   // 你好 in GB18030
        File.WriteAllBytes(path, [.. "text,intent\nhi,greet\n"u8, .. gb18030, .. ",greet\n"u8]);
        var e = Assert.Throws<NluDataException>(() => NluDataReader.Load(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void Json_lines_read_entities_and_report_bad_lines()
    {
        string path = Write("d.jsonl", """
            {"text": "fly to paris", "intent": "book", "entities": [{"start": 7, "end": 12, "entity": "city", "value": "Paris"}]}
            {"text": "hi", "intent": "greet"}
            """);
        var examples = NluDataReader.Load(path).Examples;
        Assert.Equal(("city", 7, 12, "Paris"), (examples[0].Entities[0].Entity, examples[0].Entities[0].Start, examples[0].Entities[0].End, examples[0].Entities[0].Value));
        Assert.Empty(examples[1].Entities);

        var outside = Assert.Throws<NluDataException>(() => NluDataReader.Load(Write("e.jsonl",
            "{\"text\": \"hi\", \"intent\": \"greet\"}\n{\"text\": \"hi\", \"intent\": \"g\", \"entities\": [{\"start\": 1, \"end\": 9, \"entity\": \"x\"}]}\n")));
        Assert.Equal(2, outside.Line);
        var broken = Assert.Throws<NluDataException>(() => NluDataReader.Load(Write("f.jsonl", "{\"text\": \"hi\"\n")));
        Assert.Contains("f.jsonl:1:", broken.Message);
    }
}
