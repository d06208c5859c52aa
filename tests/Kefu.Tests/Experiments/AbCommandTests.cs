using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Kefu.Cli.Commands;
using Kefu.Tests.Cli;

namespace Kefu.Tests.Experiments;

/// <summary>`kefu ab report` as a person runs it: the page, --json, and bad rows named by file:line.</summary>
public sealed class AbCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("kefu-ab-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { AbCommands.Create() };
        int code = await root.Parse(["ab", "report", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    string Write(string name, params string[] lines)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    // 40 conversations per arm; B rates higher, falls back less and answers as fast.
    string Outcomes()
    {
        var lines = new List<string> { "conversation_id,arm,stars,thumbs_up,thumbs_down,handed_off,fallback,response_ms" };
        for (int i = 0; i < 80; i++)
        {
            bool b = i % 2 == 1;
            int stars = b ? 4 + i % 4 / 2 : 2 + i % 3;                                // B: 4,5; A: 2,3,4
            string thumbs = i % 5 == 0 ? "true,false" : i % 5 == 1 ? "false,true" : ",";
            lines.Add($"c{i},{(b ? "B" : "A")},{stars},{thumbs},{(i % 7 == 0 ? "yes" : "no")},{(!b && i % 4 == 0 ? 1 : 0)},{500 + i % 9 * 10}");
        }
        return Write("outcomes.csv", [.. lines]);
    }

    [Fact]
    public async Task The_page_shows_each_arm_each_test_and_a_verdict()
    {
        var (code, stdout, stderr) = await Run("--outcomes", Outcomes());
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("baseline A, alpha 0.05 (95% intervals), power 0.8", stdout);
        Assert.Contains("conversations: A 40, B 40", stdout);
        Assert.Contains("stars (1–5): higher is better; Welch t test", stdout);
        Assert.Contains("fallback rate: lower is better; two-proportion z test", stdout);
        Assert.Matches(@"B - A: \+1\.\d{3} \[\+\d\.\d{3}, \+\d\.\d{3}\]  t = [\d.]+, df = [\d.]+, p = [\d.e+-]+  => B better", stdout);
        Assert.Matches(@"B - A: -\d+\.\d pp \[-\d+\.\d pp, [-+]?\d+\.\d pp\]  z = -[\d.]+, p = [\d.e+-]+  => B better", stdout);   // fewer fallbacks
        Assert.Contains("n per arm to detect a difference of 0.100: ", stdout);
        Assert.DoesNotContain("NaN", stdout);
    }

    [Fact]
    public async Task Json_gives_every_figure_and_the_baseline_can_be_chosen()
    {
        var (code, stdout, stderr) = await Run("--outcomes", Outcomes(), "--json", "--baseline", "B", "--alpha", "0.01", "--effect-stars", "0.5");
        Assert.True(code == 0, stderr);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.Equal("B", root.GetProperty("baseline").GetString());
        Assert.Equal(0.01, root.GetProperty("alpha").GetDouble());
        var stars = root.GetProperty("metrics")[0];
        Assert.Equal("stars", stars.GetProperty("metric").GetString());
        Assert.Equal(0.5, stars.GetProperty("effect").GetDouble());
        Assert.Equal(["B", "A"], stars.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("arm").GetString()));
        var comparison = stars.GetProperty("comparisons")[0];
        Assert.Equal("welch_t", comparison.GetProperty("test").GetString());
        Assert.Equal("b_worse", comparison.GetProperty("verdict").GetString());           // A against the baseline B
        Assert.True(comparison.GetProperty("p_value").GetDouble() < 0.01);
        Assert.True(comparison.GetProperty("ci_high").GetDouble() < 0);
        Assert.Equal("lower", root.GetProperty("metrics")[4].GetProperty("better").GetString());
    }

    [Fact]
    public async Task Bad_rows_give_file_and_line_errors_and_exit_code_1()
    {
        string file = Write("bad.csv", "arm,stars,response_ms,fallback", "A,4,300,0", "A,7,300,0", "C,3,300,0", "B,5,fast,0", "B,4,200,maybe");
        var (code, stdout, stderr) = await Run("--outcomes", file, "--arms", "A,B");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains($"{file}:3: stars: 7 is outside 1–5", stderr);
        Assert.Contains($"{file}:4: arm 'C' is not one of --arms A, B", stderr);
        Assert.Contains($"{file}:5: response_ms: expected a number, got 'fast'", stderr);
        Assert.Contains($"{file}:6: fallback: expected true/false, 1/0 or yes/no, got 'maybe'", stderr);
        Assert.Contains("4 error(s); no report.", stderr);
        Assert.DoesNotContain("   at ", stderr);

        string json = Write("bad.jsonl", """{"arm":"A","stars":4}""", "", """{"arm":"B","stars":"five"}""", "{not json", """{"stars":3}""");
        (code, _, stderr) = await Run("--outcomes", json);
        Assert.Equal(1, code);
        Assert.Contains($"{json}:3: stars: expected a number, got \"five\"", stderr);
        Assert.Contains($"{json}:4: not JSON", stderr);
        Assert.Contains($"{json}:5: arm: missing", stderr);

        string twice = Write("twice.csv", "arm,stars,Stars", "A,4,5");
        (code, _, stderr) = await Run("--outcomes", twice);
        Assert.Equal(1, code);
        Assert.Contains($"{twice}:1: column 'stars' appears twice in the header", stderr);

        (code, _, stderr) = await Run("--outcomes", Outcomes(), "--baseline", "Z");
        Assert.Equal(1, code);
        Assert.Contains("--baseline Z names no arm of the outcomes (arms: A, B)", stderr);
        (code, _, stderr) = await Run("--outcomes", Path.Combine(folder, "missing.csv"));
        Assert.Equal(1, code);
        Assert.StartsWith("kefu: ", stderr);
    }

    [Fact]
    public async Task An_arm_without_data_or_spread_says_not_enough_data_instead_of_NaN()
    {
        string file = Write("thin.jsonl", """{"arm":"A","stars":5,"response_ms":300,"channel":"web"}""", """{"arm":"A","stars":5,"response_ms":310}""",
            """{"arm":"B","stars":4}""", """{"arm":"B","stars":3}""");
        var (code, stdout, stderr) = await Run("--outcomes", file);
        Assert.True(code == 0, stderr);
        Assert.Contains($"warning: {file}:1: unknown field 'channel' ignored", stderr);
        Assert.Contains("B - A: not enough data: all values of the baseline arm are equal (zero variance)", stdout);   // stars
        Assert.Contains("B - A: not enough data: needs at least 2 values per arm (have 2 and 0)", stdout);             // response_ms
        Assert.Contains("B - A: not enough data: needs at least 1 value per arm (have 0 and 0)", stdout);              // rates
        Assert.DoesNotContain("NaN", stdout);
        (code, stdout, _) = await Run("--outcomes", file, "--json");
        Assert.Equal(0, code);
        Assert.DoesNotContain("NaN", stdout);
        Assert.Contains("\"verdict\": \"not_enough_data\"", stdout);
    }

    [Fact]
    public async Task The_installed_command_reports_a_bad_row_without_a_stack_trace()
    {
        string file = Write("bad.csv", "arm,stars", "A,4", "B,seven");
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), "ab", "report", "--outcomes", file]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"{file}:3: stars: expected a number, got 'seven'\n1 error(s); no report.\n", stderr.ReplaceLineEndings("\n"));
        Assert.Equal("", await stdout);
    }
}
