using System.CommandLine;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>config.yml's DucklingEntityExtractor through training, the model archive, parsing and `kefu nlu parse`.</summary>
public class DucklingPipelineTests
{
    const string Reference = "2024-11-13T10:30:00+08:00";

    static string ConfigWith(string duckling) => $"""
        language: zh
        pipeline:
          - name: JiebaTokenizer
          - name: CRFEntityExtractor
          - name: DucklingEntityExtractor
        {duckling}
        policies:
          - name: RulePolicy
        """;

    static NluConfig ConfigOf(string duckling, List<string>? warnings = null)
    {
        using var project = TempProject.Valid(("config.yml", ConfigWith(duckling)));
        return ProjectTrainer.NluConfigFor(RasaProject.Load(project.Dir), new ListProgress(warnings ?? []));
    }

    [Fact]
    public void Options_are_read_with_rasas_defaults()
    {
        var all = ConfigOf("").Duckling!;
        Assert.Equal(DucklingDimensions.All, all.Dimensions);
        Assert.Equal("zh_CN", all.Locale);
        Assert.Null(all.TimeZone);
        Assert.Null(all.Url);
        Assert.Equal(3, all.TimeoutSeconds);

        var some = ConfigOf("""
                dimensions: [time, number]
                locale: en_US
                timezone: Asia/Shanghai
                timeout: 1.5
                override_trained: true
            """).Duckling!;
        Assert.Equal(["time", "number"], some.Dimensions);
        Assert.Equal(("en_US", "Asia/Shanghai", 1.5, true), (some.Locale, some.TimeZone, some.TimeoutSeconds, some.OverrideTrained));
    }

    [Fact]
    public void Unknown_dimensions_and_options_are_warnings()
    {
        var warnings = new List<string>();
        var config = ConfigOf("""
                dimensions: [time, temperature]
                colour: blue
            """, warnings).Duckling!;
        Assert.Equal(["time"], config.Dimensions);
        Assert.Contains(warnings, w => w.Contains("'temperature'"));
        Assert.Contains(warnings, w => w.Contains("'colour'"));
        // a Duckling server knows more dimensions than the built-in extractors: they are sent to it
        Assert.Equal(["time", "temperature"], ConfigOf("""
                dimensions: [time, temperature]
                url: http://localhost:8000
            """).Duckling!.Dimensions);
    }

    [Theory]
    [InlineData("    timezone: Mars/Olympus_Mons", "timezone")]
    [InlineData("    url: localhost:8000", "url")]
    [InlineData("    timeout: -1", "timeout")]
    [InlineData("    dimensions: time", "dimensions")]
    public void Bad_options_are_errors_with_their_line(string option, string name)
    {
        var e = Assert.Throws<ProjectException>(() => ConfigOf(option));
        var error = Assert.Single(e.Diagnostics);
        Assert.Contains($"'{name}'", error.Message);
        Assert.Equal(6, error.Location.Line);
    }

    [Fact]
    public void Trained_model_keeps_the_extractor_and_parses_from_the_reference_time()
    {
        using var project = TempProject.Valid(("config.yml", ConfigWith("    dimensions: [time, amount-of-money]\n    timezone: Asia/Shanghai")));
        string path = Path.Combine(project.Dir, "models", "model.kefu");
        ProjectTrainer.Train(RasaProject.Load(project.Dir), path);

        var nlu = ModelArchive.Load(path).Nlu;
        Assert.NotNull(nlu.Duckling);
        Assert.Equal("Asia/Shanghai", nlu.Duckling!.Config.TimeZone);
        const string text = "我的订单号是DD20240101，明天下午三点送到，运费50元";
        var parse = nlu.Parse(text, DateTimeOffset.Parse(Reference));
        var duckling = parse.Entities.Where(e => e.Extractor == "DucklingEntityExtractor").ToList();
        Assert.Equal([("明天下午三点", "time", "2024-11-14T15:00:00.000+08:00"), ("50元", "amount-of-money", "50")],
            duckling.Select(e => (text[e.Start..e.End], e.Entity, e.Value)));
        // the trained extractors still run beside it, and the entities come in text order
        Assert.Contains(parse.Entities, e => e.Entity == "order_id" && e.Extractor is null);
        Assert.Equal(parse.Entities.OrderBy(e => e.Start), parse.Entities);
    }

    [Fact]
    public void Override_trained_drops_an_overlapping_trained_entity_of_the_same_name_only()
    {
        var keep = new DucklingEntityExtractor(new DucklingConfig(["time"], "zh_CN", "Asia/Shanghai"));
        var replace = new DucklingEntityExtractor(new DucklingConfig(["time"], "zh_CN", "Asia/Shanghai", OverrideTrained: true));
        const string text = "明天下午三点去北京";
        EntitySpan[] trained = [new(0, 2, "time", "明天"), new(7, 9, "city", "北京"), new(0, 2, "date", "明天")];
        var found = keep.Extract(text, DateTimeOffset.Parse(Reference));

        Assert.Equal(4, keep.Merge(trained, found).Count);
        var merged = replace.Merge(trained, found);
        Assert.Equal([("date", null), ("time", "DucklingEntityExtractor"), ("city", null)], merged.Select(e => (e.Entity, e.Extractor)));
    }

    [Fact]
    public void Parse_json_has_rasas_duckling_entity_shape()
    {
        var model = NluTrainer.Train(NluTestData.Intentions(), NluTestData.FastConfig() with
        {
            Duckling = new DucklingConfig(["time", "number"], "zh_CN", "Asia/Shanghai"),
        });
        using var json = JsonDocument.Parse(NluParseJson.Serialize(model.Parse("今晚来三百五十个", DateTimeOffset.Parse(Reference))));
        var entities = json.RootElement.GetProperty("entities");
        var tonight = entities[0];
        Assert.Equal("time", tonight.GetProperty("entity").GetString());
        Assert.Equal("DucklingEntityExtractor", tonight.GetProperty("extractor").GetString());
        Assert.Equal("2024-11-13T18:00:00.000+08:00", tonight.GetProperty("value").GetProperty("from").GetString());
        Assert.Equal("2024-11-14T00:00:00.000+08:00", tonight.GetProperty("value").GetProperty("to").GetString());
        Assert.Equal("interval", tonight.GetProperty("additional_info").GetProperty("type").GetString());
        var number = entities[1];
        Assert.Equal(350, number.GetProperty("value").GetDouble());
        Assert.Equal("value", number.GetProperty("additional_info").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Nlu_parse_takes_a_reference_time()
    {
        using var project = TempProject.Valid(("config.yml", ConfigWith("    dimensions: [time]\n    timezone: Asia/Shanghai")));
        string path = Path.Combine(project.Dir, "models", "model.kefu");
        ProjectTrainer.Train(RasaProject.Load(project.Dir), path);

        var (code, stdout, stderr) = await Run("--model", path, "--reference-time", Reference, "后天早上9点送到");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var entity = Assert.Single(json.RootElement.GetProperty("entities").EnumerateArray());
        Assert.Equal("2024-11-15T09:00:00.000+08:00", entity.GetProperty("value").GetString());
        Assert.Equal("hour", entity.GetProperty("additional_info").GetProperty("grain").GetString());

        // a week later, the same words are a week later
        (code, stdout, _) = await Run("--model", path, "--reference-time", "2024-11-20T10:30:00+08:00", "后天早上9点送到");
        Assert.Equal(0, code);
        using var later = JsonDocument.Parse(stdout);
        Assert.Equal("2024-11-22T09:00:00.000+08:00", later.RootElement.GetProperty("entities")[0].GetProperty("value").GetString());

        (code, _, stderr) = await Run("--model", path, "--reference-time", "2024-11-13 10:30", "明天");
        Assert.Equal(1, code);
        Assert.Contains("offset", stderr);
    }

    static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { NluCommands.Create() };
        int code = await root.Parse(["nlu", "parse", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    sealed class ListProgress(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
