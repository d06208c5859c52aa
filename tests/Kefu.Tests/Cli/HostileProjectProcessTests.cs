using System.Diagnostics;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>
/// The kefu process itself on hostile projects: a stack overflow or OutOfMemory kills a process in ways an in-process
/// test cannot see (exit 134), and the KEFU_MAX_* variables are read from the real environment.
/// </summary>
public class HostileProjectProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static (int ExitCode, string Output) Kefu(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Bound))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kefu {string.Join(' ', args)} did not exit within {Bound.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static TempProject Hostile(string name)
    {
        var temp = TempProject.Valid();
        HostileProjects.Named(name).Apply(temp);
        return temp;
    }

    [Theory]
    [InlineData("30,000 nested '['")]
    [InlineData("billion laughs in a response's custom")]
    [InlineData("billion laughs in a slot's initial_value")]
    public void Data_validate_exits_one_with_the_diagnostic(string name)
    {
        var hostile = HostileProjects.Named(name);
        using var temp = Hostile(name);
        var (code, output) = Kefu(null, "data", "validate", temp.Dir);
        Assert.Equal(1, code);
        Assert.Contains($"{Path.Combine(temp.Dir, hostile.File)}:{hostile.Line}:", output);
        Assert.Contains(hostile.Message, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void Serve_exits_one_with_the_diagnostic_instead_of_running_out_of_memory()
    {
        var hostile = HostileProjects.Named("billion laughs in a slot's initial_value");
        using var temp = Hostile(hostile.Name);
        var (code, output) = Kefu(null, "serve", "--project", temp.Dir, "--port", ServeProcessTests.FreePort().ToString());
        Assert.Equal(1, code);
        Assert.Contains($"{Path.Combine(temp.Dir, hostile.File)}:{hostile.Line}:", output);
        Assert.DoesNotContain("OutOfMemory", output);
    }

    [Fact]
    public void The_environment_raises_and_lowers_the_limits()
    {
        using var temp = TempProject.Valid(("data/responses.yml", HostileProjects.ResponseWithCustomDepth(70)));
        Assert.Equal(1, Kefu(null, "data", "validate", temp.Dir).ExitCode);
        var (raised, report) = Kefu(new Dictionary<string, string> { ["KEFU_MAX_YAML_DEPTH"] = "100" }, "data", "validate", temp.Dir);
        Assert.True(raised == 0, report);

        var (lowered, output) = Kefu(new Dictionary<string, string> { ["KEFU_MAX_EXAMPLES"] = "2" }, "train", "--project", temp.Dir);
        Assert.Equal(1, lowered);
        Assert.Contains("more than 2 NLU examples", output);

        var (malformed, message) = Kefu(new Dictionary<string, string> { ["KEFU_MAX_FILE_BYTES"] = "10MB" }, "data", "validate", temp.Dir);
        Assert.Equal(1, malformed);
        Assert.Contains("error: KEFU_MAX_FILE_BYTES is '10MB'; give a whole number", message);
    }
}
