using System.Diagnostics;

namespace Kefu.Tests.Deploy;

/// <summary>
/// deploy/prometheus checked by Prometheus's own tool (Debian package prometheus, which scripts/ci-deps.sh installs):
/// the rules and the config load, and the unit tests of alerts.test.yml pass (each threshold fires and stays quiet).
/// </summary>
public class PromtoolTests
{
    [SkippableTheory]
    [InlineData("check", "rules", "alerts.yml")]
    [InlineData("test", "rules", "alerts.test.yml")]
    [InlineData("check", "config", "prometheus.yml")]
    public void Promtool_accepts(string verb, string what, string file)
    {
        var promtool = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "promtool")).FirstOrDefault(File.Exists);
        Skip.If(promtool is null, "promtool is not installed (apt-get install prometheus; scripts/ci-deps.sh installs it)");
        var run = new ProcessStartInfo(promtool!, [verb, what, file])
        {
            WorkingDirectory = DeployFiles.PathOf("prometheus"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(run)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "promtool did not finish within 60 s");
        Assert.True(process.ExitCode == 0, $"promtool {verb} {what} {file}: exit {process.ExitCode}\n{output.Result}{errors}");
        Assert.Contains("SUCCESS", output.Result + errors);
    }
}
