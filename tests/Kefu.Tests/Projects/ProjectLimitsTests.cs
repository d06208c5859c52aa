using System.Text.Json;
using Kefu.Projects;

namespace Kefu.Tests.Projects;

/// <summary>The limits' defaults, how the environment changes them, and that input within them works.</summary>
public class ProjectLimitsTests
{
    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static JsonElement CustomOf(RasaProject project) =>
        project.Domain.FindResponse("utter_deep")!.Variations[0].Custom!.Value;

    [Fact]
    public void The_environment_sets_each_limit_and_a_bad_value_is_a_problem_that_keeps_the_default()
    {
        var variables = new Dictionary<string, string>
        {
            ["KEFU_MAX_FILE_BYTES"] = "1024",
            ["KEFU_MAX_PROJECT_BYTES"] = " 4096 ",
            ["KEFU_MAX_YAML_DEPTH"] = "2000",
            ["KEFU_MAX_ALIAS_NODES"] = "ten",
            ["KEFU_MAX_EXAMPLES"] = "5",
            ["KEFU_MAX_REGEX_PATTERNS"] = "-1",
            ["KEFU_MAX_DIAGNOSTICS_PER_FILE"] = "",
        };
        var (limits, problems) = ProjectLimits.FromEnvironment(variables.GetValueOrDefault);
        Assert.Equal(ProjectLimits.Default with { MaxFileBytes = 1024, MaxProjectBytes = 4096, MaxExamples = 5 }, limits);
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("KEFU_MAX_YAML_DEPTH is '2000'; give a whole number from 1 to 1000", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("KEFU_MAX_ALIAS_NODES is 'ten'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("(the default 1000 is used)", StringComparison.Ordinal));
    }

    [Fact]
    public void Custom_payloads_nest_up_to_the_depth_limit()
    {
        // custom nests 60 deep: the file 64 (the top mapping, responses, utter_deep's list and the variation come first).
        using var temp = TempProject.Valid(("data/responses.yml", HostileProjects.ResponseWithCustomDepth(60)));
        var project = RasaProject.Read(temp.Dir);
        Assert.DoesNotContain(project.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(60, Depth(CustomOf(project)));
    }

    [Fact]
    public void A_raised_depth_limit_lets_deeper_payloads_through_even_on_a_thread_pool_thread()
    {
        using var temp = TempProject.Valid(("data/responses.yml", HostileProjects.ResponseWithCustomDepth(990)));
        Assert.Contains(RasaProject.Read(temp.Dir).Diagnostics, d => d.Message.Contains("more than 64 levels deep", StringComparison.Ordinal));
        var limits = ProjectLimits.Default with { MaxYamlDepth = ProjectLimits.MaxSupportedYamlDepth };
        var project = HostileProjectTests.Within(() => RasaProject.Read(temp.Dir, limits));
        Assert.DoesNotContain(project.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(990, Depth(CustomOf(project)));
    }

    [Fact]
    public void Lowered_limits_apply_to_each_file_and_example()
    {
        using var temp = TempProject.Valid();
        var lines = temp.Lines(RasaProject.Read(temp.Dir, ProjectLimits.Default with { MaxExamples = 3, MaxFileBytes = 1000 }).Diagnostics);
        Assert.Contains(lines, l => l.StartsWith("domain.yml:1:1: error: the file is larger than 1000 bytes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("data/nlu.yml:10:7: error: the project has more than 3 NLU examples", StringComparison.Ordinal));
    }

    [Fact]
    public void Past_the_diagnostics_limit_a_file_gets_one_line_counting_the_rest()
    {
        string lines = string.Concat(Enumerable.Range(0, 500).Select(i => $"    not an example {i}\n"));
        using var temp = TempProject.Valid(("data/bad.yml", "nlu:\n- intent: greet\n  examples: |\n    - hello\n" + lines));
        var diagnostics = RasaProject.Read(temp.Dir).Diagnostics.Where(d => d.Location.File.EndsWith("bad.yml", StringComparison.Ordinal)).ToList();
        Assert.Equal(ProjectLimits.Default.MaxDiagnosticsPerFile + 1, diagnostics.Count);
        Assert.Single(diagnostics, d => d.Message.StartsWith("0 more error(s) and 300 more warning(s) in this file are not shown", StringComparison.Ordinal));
    }
}
