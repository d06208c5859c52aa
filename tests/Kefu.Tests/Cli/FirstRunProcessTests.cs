using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Cli;

/// <summary>What a new user meets first, as the kefu process says it: one line each, no stack trace (issue 18, item 8).</summary>
public class FirstRunProcessTests
{
    private static (int ExitCode, string Output) Kefu(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [ServeProcessTests.CliDll(), .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kefu {string.Join(' ', args)} did not exit within 120 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void A_port_in_use_is_one_line()
    {
        using var temp = TempProject.Valid();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output) = Kefu("serve", "--project", temp.Dir, "--port", port.ToString());

        Assert.Equal(1, code);
        Assert.Contains($"kefu: port {port} on 127.0.0.1 is already in use (another kefu serve?); stop it or choose another with --port", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public void Serve_on_a_missing_project_folder_fails_before_listening()
    {
        var missing = Path.Combine(Path.GetTempPath(), "kefu-no-such-project-" + Guid.NewGuid().ToString("N"));
        var port = ServeProcessTests.FreePort();

        var (code, output) = Kefu("serve", "--project", missing, "--port", port.ToString());

        Assert.Equal(1, code);
        Assert.Equal($"kefu: the project folder '{missing}' does not exist; give a bot project with --project (e.g. samples/ecommerce-zh) or run kefu init",
            output.Trim());
        Assert.False(Directory.Exists(missing), "nothing was created under the missing folder");
    }

    [Fact]
    public void Help_names_the_command_kefu()
    {
        var (code, output) = Kefu("--help");

        Assert.Equal(0, code);
        Assert.Contains("  kefu [command] [options]", output);
        Assert.DoesNotContain("Kefu.Cli", output);
        Assert.Contains("kefu serve [options]", Kefu("serve", "--help").Output);
    }
}
