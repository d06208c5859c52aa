using System.Text.Json;
using Kefu.Data;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class NluCleanerTests
{
    private const string Dirty = """
        version: "3.1"
        nlu:
        - intent: order_status
          examples: |
            - 查一下订单<b>[ＤＤ１２３](order_id)</b>
            - 我的订单到哪了&nbsp;
            - 我的订单到哪了
            - 我的订单到哪了？
            - <br>
        - intent: logistics
          examples: |
            - 我的订单到哪了
        - synonym: 质量问题
          examples: |
            - 质量&nbsp;不好
        """;

    [Fact]
    public void Repeats_are_removed_conflicts_and_near_duplicates_reported_and_kept()
    {
        var (doc, diagnostics) = NluDocuments.Read(Write(Dirty, out var temp));
        using var _ = temp;
        Assert.DoesNotContain(diagnostics, d => d.Severity == Severity.Error);
        var result = NluCleaner.Clean(doc, "nlu.yml");
        var report = result.Report;

        Assert.Equal((6, 4), (report.ExamplesIn, report.ExamplesOut));
        Assert.Equal(["查一下订单DD123", "我的订单到哪了", "我的订单到哪了？", "我的订单到哪了"], result.Cleaned.Examples.Select(e => e.Text));
        var duplicate = Assert.Single(report.Removed, r => r.Reason == "duplicate");
        Assert.EndsWith(":7:7", duplicate.Example.At);
        Assert.EndsWith(":6:7", duplicate.Kept!.At);
        Assert.Single(report.Removed, r => r.Reason == "empty" && r.Example.Text == "<br>");
        var conflict = Assert.Single(report.Conflicts);
        Assert.Equal(["order_status", "logistics"], conflict.Examples.Select(e => e.Intent));
        Assert.Contains(report.NearDuplicates, n => n.A.Text == "我的订单到哪了" && n.B.Text == "我的订单到哪了？" && n.SameIntent);
        Assert.Equal("质量 不好", report.EntriesChanged.Single().After);
        Assert.Equal("DD123", result.Cleaned.Examples[0].Entities.Single().Value);
        // every example that went in is in the output or named in the report
        Assert.Equal(report.ExamplesIn, report.ExamplesOut + report.Removed.Count);
    }

    [Fact]
    public void The_command_writes_the_file_and_both_reports_and_leaves_the_input_alone()
    {
        string input = Write(Dirty, out var temp);
        using var _ = temp;
        var (code, output, error) = DataCli.Run("clean", "--nlu", input, "--out", temp.PathOf("cleaned"));
        Assert.True(code == 0, error);
        Assert.Equal(Dirty.ReplaceLineEndings("\n"), File.ReadAllText(input));
        Assert.Contains("6 examples in, 4 out", output);

        var cleaned = NluFile.Load(temp.PathOf("cleaned/nlu.yml"));
        Assert.Equal(3, cleaned.Examples.Count); // the training reader keeps the conflicting text under its first intent only
        Assert.Equal("质量问题", cleaned.Synonyms["质量 不好"]);
        using var json = JsonDocument.Parse(File.ReadAllText(temp.PathOf("cleaned/clean_report.json")));
        Assert.Equal(2, json.RootElement.GetProperty("removed").GetArrayLength());
        Assert.Equal(1, json.RootElement.GetProperty("conflicts").GetArrayLength());
        Assert.Contains("Conflicts: the same text under several intents", File.ReadAllText(temp.PathOf("cleaned/clean_report.txt")));
    }

    [Fact]
    public void Dry_run_writes_nothing()
    {
        string input = Write(Dirty, out var temp);
        using var _ = temp;
        var (code, output, _) = DataCli.Run("clean", "--nlu", input, "--out", temp.PathOf("cleaned"), "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains("dry run", output);
        Assert.False(Directory.Exists(temp.PathOf("cleaned")));
    }

    [Fact]
    public void Out_onto_the_input_is_refused()
    {
        string input = Write(Dirty, out var temp);
        using var _ = temp;
        var (code, _, error) = DataCli.Run("clean", "--nlu", input, "--out", temp.Dir);
        Assert.Equal(1, code);
        Assert.Contains("never overwrites its input", error);
        Assert.Equal(Dirty.ReplaceLineEndings("\n"), File.ReadAllText(input));
    }

    [Theory]
    [InlineData("nlu.json", "{\"rasa_nlu_data\": {\"common_examples\": [\n  {\"text\": \"hi \u00FF\", \"intent\": \"greet\"}]}}\n", 2)]
    [InlineData("nlu.md", "## intent:greet\n- hi\n- \u00FF there\n", 3)]
    public void Bytes_that_are_not_utf8_are_an_error_at_their_line_not_cleaned_as_replacement_characters(string name, string text, int line)
    {
        using var temp = new TempProject("kefu-clean-utf8-");
        string input = temp.PathOf(name);
        // U+00FF stands for the byte 0xFF, which no UTF-8 text holds (Latin-1 writes each char as one byte)
        File.WriteAllBytes(input, System.Text.Encoding.Latin1.GetBytes(text));
        var (code, _, error) = DataCli.Run("clean", "--nlu", input, "--out", temp.PathOf("cleaned"));
        Assert.Equal(1, code);
        Assert.Contains($"{input}:{line}:1: error: not valid UTF-8", error);
        Assert.False(Directory.Exists(temp.PathOf("cleaned")));
    }

    private static string Write(string yaml, out TempProject temp)
    {
        temp = new TempProject("kefu-clean-", ("nlu.yml", yaml));
        return temp.PathOf("nlu.yml");
    }
}
